/**
 * A block's issuance signatures checked on the PoP worker thread (pop-precheck.ts) while the block executes
 * (ADR 0004): a validator's recorded signatures, and the proposer's check of its own fresh ones (STYLE 4).
 *
 * The block issuer hands each (TBS, signature) to `add` and goes on; `settle` answers whether every one
 * verifies. Each entry has a slot in a shared Int32Array (one per SEGMENT entries, made as needed): 0
 * unclaimed, 1 claimed (by the worker or by this thread), 2 verifies, 3 does not. The worker verifies only a
 * slot it claims (compare-and-swap), and at `settle` this thread verifies every entry without an answer yet —
 * including one the worker is busy with — so it never waits for the worker. The check is the same
 * `verify('sha256', tbs, key, signature)` on either thread, so the answer never depends on timing.
 */
import type { MessagePort } from 'node:worker_threads';

/** Entries per message to the worker; a divisor of SEGMENT, so no chunk spans two segments. */
const CHUNK = 16;
const SEGMENT = 256;
const UNCLAIMED = 0;
const CLAIMED = 1;
const GOOD = 2;
const BAD = 3;

/**
 * The worker side (pop-precheck.ts). `open` once per segment of a block's entries; then per chunk one packed
 * buffer (cloning one buffer costs a few µs, a list of small typed arrays several µs each): per entry u32
 * slot in the segment, u32 TBS length, u32 signature length, then the TBS and signature bytes.
 */
export type SignatureCheckMessage =
  | {
      readonly kind: 'open';
      readonly id: number;
      readonly spki: Uint8Array;
      readonly status: SharedArrayBuffer;
    }
  | { readonly kind: 'signatures'; readonly id: number; readonly packed: Uint8Array };

/** What a block issuer needs to check its signatures elsewhere (the node's PopCheckWorker). */
export interface SignatureCheckOffload {
  /** Checks for signatures made by the key `spki` (DER SubjectPublicKeyInfo). */
  startSignatureChecks(spki: Uint8Array): SignatureChecks;
}

/** The signatures of one block, checked where there is time first. */
export class SignatureChecks {
  private readonly segments: { id: number; status: Int32Array }[] = [];
  private readonly tbs: Uint8Array[] = [];
  private readonly signatures: Uint8Array[] = [];
  /** Entries added since the last chunk was sent, from index `unsentFrom`. */
  private unsentFrom = 0;
  private unsentBytes = 0;

  constructor(
    private readonly port: MessagePort,
    private readonly nextId: () => number,
    private readonly spki: Uint8Array,
  ) {}

  private segment(index: number): { id: number; status: Int32Array } {
    const s = Math.floor(index / SEGMENT);
    let segment = this.segments[s];
    if (segment === undefined) {
      segment = { id: this.nextId(), status: new Int32Array(new SharedArrayBuffer(4 * SEGMENT)) };
      this.segments[s] = segment;
      const open: SignatureCheckMessage = {
        kind: 'open',
        id: segment.id,
        spki: this.spki,
        status: segment.status.buffer as SharedArrayBuffer,
      };
      this.port.postMessage(open);
    }
    return segment;
  }

  /** Queues the check of signature `index` (0, 1, 2, … in order). */
  add(index: number, tbs: Uint8Array, signature: Uint8Array): void {
    this.tbs[index] = tbs;
    this.signatures[index] = signature;
    this.unsentBytes += 12 + tbs.length + signature.length;
    if (index + 1 - this.unsentFrom >= CHUNK) this.flush(index + 1);
  }

  private flush(end: number): void {
    const packed = new Uint8Array(this.unsentBytes);
    const view = new DataView(packed.buffer);
    let at = 0;
    for (let i = this.unsentFrom; i < end; i++) {
      const tbs = this.tbs[i]!;
      const sig = this.signatures[i]!;
      view.setUint32(at, i % SEGMENT);
      view.setUint32(at + 4, tbs.length);
      view.setUint32(at + 8, sig.length);
      packed.set(tbs, at + 12);
      packed.set(sig, at + 12 + tbs.length);
      at += 12 + tbs.length + sig.length;
    }
    const message: SignatureCheckMessage = {
      kind: 'signatures',
      id: this.segment(this.unsentFrom).id,
      packed,
    };
    this.port.postMessage(message, [packed.buffer]);
    this.unsentFrom = end;
    this.unsentBytes = 0;
  }

  /**
   * Whether every signature added so far verifies (`verify` checks one on this thread). Verifies here, last
   * first, whatever the worker has not finished — including an entry it is verifying at that moment: a worker
   * descheduled on a busy machine must not stall the block.
   */
  settle(verify: (tbs: Uint8Array, signature: Uint8Array) => boolean): boolean {
    const n = this.tbs.length;
    this.unsentFrom = n; // entries never sent are taken here below
    this.unsentBytes = 0;
    for (let i = n - 1; i >= 0; i--) {
      const status = this.segments[Math.floor(i / SEGMENT)]?.status;
      const slot = i % SEGMENT;
      let s = status === undefined ? UNCLAIMED : Atomics.compareExchange(status, slot, UNCLAIMED, CLAIMED);
      if (s === UNCLAIMED || s === CLAIMED) {
        s = verify(this.tbs[i]!, this.signatures[i]!) ? GOOD : BAD;
        if (status !== undefined) Atomics.store(status, slot, s);
      }
      if (s !== GOOD) return false;
    }
    return true;
  }
}
