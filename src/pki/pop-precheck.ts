/**
 * Proofs of possession of a block's CSRs checked on another thread while the block executes.
 *
 * Importing a request's EC key and verifying its signature is about a quarter of an issuance on the execution
 * thread. Both depend on the request's bytes only, so a worker can do them ahead of (and alongside) the
 * synchronous applyBlock: `PopCheckWorker.start(pems)` hands the block's requests to the worker and returns at
 * once; parseCsr asks `popVerified(der)`. Each request has a slot in a shared Int32Array (0 unchecked, 1 the
 * worker is checking it, 2 good, 3 bad, 4 taken by the execution thread): a request the worker has not reached
 * is taken by the execution thread (compare-and-swap) and checked inline, so the worker skips it and nothing
 * waits for a queue; one the worker is checking at that moment is checked inline too, never waited for.
 * popVerified answers true only for a request the worker found good — anything else is checked inline as
 * before, so the answer of parseCsr never depends on timing.
 *
 * The same worker checks a validator's recorded issuance signatures (signature-checks.ts).
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { csrDerFromPem, ecPopCheckOf, type PopChecked } from './csr.js';
import { CsrError } from './errors.js';
import { SignatureChecks, type SignatureCheckOffload } from './signature-checks.js';

// Plain JavaScript, so the worker needs no TypeScript loader: the same two steps as importCanonicalEc + verify,
// and the recorded-signature check of ValidatingBlockIssuer (signature-checks.ts: claim a slot, then verify).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
// One chunk of requests: meta holds [slot, crv, hash, x, y, info length, signature length] per request, packed
// the info and signature bytes one after another.
const popChecks = ({ slots: status, meta, packed }) => {
  const slots = new Int32Array(status);
  let at = 0;
  for (let k = 0; k < meta.length; k += 7) {
    const [slot, crv, hash, x, y, infoLength, sigLength] = meta.slice(k, k + 7);
    const info = packed.subarray(at, at + infoLength);
    const signature = packed.subarray(at + infoLength, at + infoLength + sigLength);
    at += infoLength + sigLength;
    if (Atomics.compareExchange(slots, slot, 0, 1) !== 0) continue;
    let ok = false;
    try {
      const key = createPublicKey({ key: { kty: 'EC', crv, x, y }, format: 'jwk' });
      ok = verify(hash, info, { key, dsaEncoding: 'der' }, signature);
    } catch {
      ok = false;
    }
    Atomics.store(slots, slot, ok ? 2 : 3);
    Atomics.notify(slots, slot);
  }
};
// The segments of signatures being checked (signature-checks.ts), by id: their key and shared status slots.
const blocks = new Map();
const open = ({ id, spki, status }) => {
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    key = undefined;
  }
  blocks.set(id, { key, slots: new Int32Array(status) });
  for (const old of blocks.keys()) if (blocks.size > 64) blocks.delete(old);
};
const signatureChecks = ({ id, packed }) => {
  const block = blocks.get(id);
  if (block === undefined) return; // long gone: the validator checks these itself
  const { key, slots } = block;
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  for (let at = 0; at < packed.length; ) {
    const i = view.getUint32(at);
    const tbsEnd = at + 12 + view.getUint32(at + 4);
    const end = tbsEnd + view.getUint32(at + 8);
    if (Atomics.compareExchange(slots, i, 0, 1) === 0) {
      let ok = false;
      try {
        const tbs = packed.subarray(at + 12, tbsEnd);
        ok = key !== undefined && verify('sha256', tbs, { key, dsaEncoding: 'der' }, packed.subarray(tbsEnd, end));
      } catch {
        ok = false;
      }
      Atomics.store(slots, i, ok ? 2 : 3);
      Atomics.notify(slots, i);
    }
    at = end;
  }
};
parentPort.once('message', ({ port }) => {
  port.on('message', (m) => {
    if (m.kind === 'open') open(m);
    else if (m.kind === 'signatures') signatureChecks(m);
    else popChecks(m);
  });
});
`;

const CHUNK = 50;
const UNCHECKED = 0;
const CHECKING = 1;
const GOOD = 2;
const TAKEN = 4;

/** The key a request's DER is found by: its bytes as a string (no hashing needed). */
/** Requests remembered as checked at mempool admission. */
const MAX_ADMITTED = 65_536;
const derKey = (der: Uint8Array): string =>
  Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');

/**
 * One worker thread for proof-of-possession and recorded-signature checks; the node (or a benchmark) owns it
 * and closes it.
 */
export class PopCheckWorker implements SignatureCheckOffload {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private nextId = 0;
  /**
   * Requests whose proof of possession the worker found good when their transactions were admitted to the
   * mempool (`admit`), by DER: a block that carries them starts with their slots good. Only a real verification
   * puts a request here, so an entry is never a wrong answer; a missing one is checked again.
   */
  private readonly admitted = new Map<string, true>();

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    const { port1, port2 } = new MessageChannel();
    this.worker.postMessage({ port: port2 }, [port2]);
    this.port = port1;
    this.port.unref();
  }

  /**
   * Checks the requests among `pems` ahead of any block, as their transactions enter the mempool, and
   * remembers the good ones (at most MAX_ADMITTED, oldest forgotten first). Resolves once they are checked.
   */
  async admit(pems: Iterable<string>): Promise<void> {
    const precheck = this.start(pems);
    await precheck.settled();
    for (const key of precheck.goodKeys()) {
      this.admitted.delete(key);
      this.admitted.set(key, true);
    }
    for (const key of this.admitted.keys()) {
      if (this.admitted.size <= MAX_ADMITTED) break;
      this.admitted.delete(key);
    }
  }

  /** Starts checking the requests among `pems` (anything else is skipped) for one block. */
  start(pems: Iterable<string>): PopPrecheck {
    const checks: { der: Uint8Array; check: NonNullable<ReturnType<typeof ecPopCheckOf>> }[] = [];
    for (const pem of pems) {
      let der: Uint8Array;
      try {
        der = csrDerFromPem(pem);
      } catch (e) {
        if (e instanceof CsrError) continue;
        throw e;
      }
      const check = ecPopCheckOf(der);
      if (check !== undefined) checks.push({ der, check });
    }
    const slots = new Int32Array(new SharedArrayBuffer(4 * Math.max(checks.length, 1)));
    const index = new Map<string, number>();
    // Requests found good at admission start good; the others go to the worker.
    const pending: { der: Uint8Array; check: (typeof checks)[number]['check']; slot: number }[] = [];
    checks.forEach(({ der, check }, slot) => {
      const key = derKey(der);
      index.set(key, slot);
      if (this.admitted.has(key)) Atomics.store(slots, slot, GOOD);
      else pending.push({ der, check, slot });
    });
    for (let from = 0; from < pending.length; from += CHUNK) {
      const chunk = pending.slice(from, from + CHUNK);
      const meta: (string | number)[] = [];
      let size = 0;
      chunk.forEach(({ slot, check: c }) => {
        meta.push(slot, c.crv, c.hash, c.x, c.y, c.info.length, c.signature.length);
        size += c.info.length + c.signature.length;
      });
      const packed = new Uint8Array(size);
      let at = 0;
      for (const { check: c } of chunk) {
        packed.set(c.info, at);
        packed.set(c.signature, at + c.info.length);
        at += c.info.length + c.signature.length;
      }
      this.port.postMessage({ kind: 'pop', slots: slots.buffer, meta, packed }, [packed.buffer]);
    }
    return new PopPrecheck(slots, checks.length, index);
  }

  /** Recorded issuance signatures checked on this thread too (signature-checks.ts). */
  startSignatureChecks(spki: Uint8Array): SignatureChecks {
    return new SignatureChecks(this.port, () => this.nextId++, spki);
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}

/** The proof-of-possession checks of one block's requests. */
export class PopPrecheck implements PopChecked {
  constructor(
    private readonly slots: Int32Array,
    private readonly count: number,
    private readonly index: ReadonlyMap<string, number>,
  ) {}

  /** Resolves once no request of this block waits for the worker (optional: see the module note). */
  async settled(): Promise<void> {
    for (;;) {
      let open = false;
      for (let i = 0; i < this.count; i++) {
        const s = Atomics.load(this.slots, i);
        if (s === UNCHECKED || s === CHECKING) open = true;
      }
      if (!open) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** The requests found good so far (DER keys). */
  goodKeys(): string[] {
    return [...this.index].filter(([, i]) => Atomics.load(this.slots, i) === GOOD).map(([key]) => key);
  }

  popVerified(der: Uint8Array): boolean {
    const i = this.index.size === 0 ? undefined : this.index.get(derKey(der));
    if (i === undefined) return false;
    // Unchecked: taken here. Being checked by the worker: checked here too rather than waited for (a worker
    // descheduled on a busy machine would stall the block).
    return Atomics.compareExchange(this.slots, i, UNCHECKED, TAKEN) === GOOD;
  }
}
