/**
 * Proofs of possession of a block's CSRs checked on another thread while the block executes.
 *
 * Importing a request's EC key and verifying its signature is about a quarter of an issuance on the execution
 * thread. Both depend on the request's bytes only, so a worker can do them ahead of (and alongside) the
 * synchronous applyBlock: `PopPrecheck.start(pems)` hands the block's requests to the worker and returns at
 * once; parseCsr asks `popVerified(der)`, which takes whatever results have arrived (receiveMessageOnPort,
 * without waiting) and answers true only for a request the worker found good. A request not (yet) checked
 * there — or found bad — is checked inline as before, so the answer of parseCsr never depends on timing.
 */
import { createHash } from 'node:crypto';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { csrDerFromPem, ecPopCheckOf, type EcPopCheck, type PopChecked } from './csr.js';
import { CsrError } from './errors.js';

// Plain JavaScript, so the worker needs no TypeScript loader: the same two steps as importCanonicalEc + verify.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
parentPort.once('message', ({ port }) => {
  port.on('message', ({ id, checks }) => {
    const ok = checks.map((c) => {
      try {
        const key = createPublicKey({ key: { kty: 'EC', crv: c.crv, x: c.x, y: c.y }, format: 'jwk' });
        return verify(c.hash, c.info, { key, dsaEncoding: 'der' }, c.signature);
      } catch {
        return false;
      }
    });
    port.postMessage({ id, ok });
  });
});
`;

const CHUNK = 16;
const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** One worker thread for proof-of-possession checks; the node (or a benchmark) owns it and closes it. */
export class PopCheckWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private nextId = 0;
  private readonly pending = new Map<number, { hashes: string[]; into: PopPrecheck }>();

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    const { port1, port2 } = new MessageChannel();
    this.worker.postMessage({ port: port2 }, [port2]);
    this.port = port1;
    this.port.unref();
  }

  /** Starts checking the requests among `pems` (anything else is skipped) for one block. */
  start(pems: Iterable<string>): PopPrecheck {
    const precheck = new PopPrecheck(this);
    let hashes: string[] = [];
    let checks: EcPopCheck[] = [];
    const flush = (): void => {
      if (checks.length === 0) return;
      const id = this.nextId++;
      this.pending.set(id, { hashes, into: precheck });
      this.port.postMessage({ id, checks });
      hashes = [];
      checks = [];
    };
    for (const pem of pems) {
      let der: Uint8Array;
      try {
        der = csrDerFromPem(pem);
      } catch (e) {
        if (e instanceof CsrError) continue;
        throw e;
      }
      const check = ecPopCheckOf(der);
      if (check === undefined) continue;
      hashes.push(sha256Hex(der));
      checks.push(check);
      if (checks.length >= CHUNK) flush();
    }
    flush();
    return precheck;
  }

  /** Whether results for `precheck` are still outstanding. */
  isPending(precheck: PopPrecheck): boolean {
    this.drain();
    for (const job of this.pending.values()) if (job.into === precheck) return true;
    return false;
  }

  /** Takes every result that has arrived, without waiting. */
  drain(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.port) as { message: { id: number; ok: boolean[] } } | undefined;
      if (m === undefined) return;
      const { id, ok } = m.message;
      const job = this.pending.get(id);
      if (job === undefined) continue;
      this.pending.delete(id);
      job.hashes.forEach((h, i) => {
        if (ok[i] === true) job.into.record(h);
      });
    }
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}

/** The proof-of-possession results of one block's requests, as far as they have arrived. */
export class PopPrecheck implements PopChecked {
  private readonly good = new Set<string>();

  constructor(private readonly worker: PopCheckWorker) {}

  /** @internal the worker found the request with this DER hash good */
  record(derSha256: string): void {
    this.good.add(derSha256);
  }

  /** Resolves once the worker has answered for every request of this block (optional: see the module note). */
  async settled(): Promise<void> {
    while (this.worker.isPending(this)) await new Promise((r) => setTimeout(r, 1));
  }

  popVerified(der: Uint8Array): boolean {
    this.worker.drain();
    if (this.good.size === 0) return false;
    return this.good.has(sha256Hex(der));
  }
}
