/**
 * The state commitment, in the first form DESIGN §3 allows: a chained hash of each block's write set.
 *
 *   stateRoot(block) = SHA3-256( stateRoot(parent) ‖ encodeWriteSet(sorted writes of block) )
 *   encodeWriteSet   = 0x01 (format) ‖ u32 count ‖ for each write, keys ascending by their UTF-8 bytes:
 *                      u32 len ‖ key ‖ ( 0x00 (delete) | 0x01 ‖ u32 len ‖ value )
 *
 * Integers are big-endian. The root before genesis is 32 zero bytes. Two nodes whose executions differ in any
 * write of any block since genesis have different roots from that block on, so a divergence cannot go unseen;
 * what the root does not give is a proof of a single key (an authenticated map is a later goal).
 */
import { sha3_256 } from '../codec/hash.js';
import { concatBytes } from '../codec/hex.js';
import type { StateWrite } from '../storage/channel-storage.js';

export const EMPTY_STATE_ROOT: Uint8Array = new Uint8Array(32);

const WRITE_SET_FORMAT = 0x01;

/** The write set as storage takes it (UTF-8 bytes; null deletes), sorted by key bytes. */
export function encodeWrites(writes: Iterable<readonly [string, string | null]>): StateWrite[] {
  const out: StateWrite[] = [];
  for (const [key, value] of writes) {
    out.push({
      key: new Uint8Array(Buffer.from(key, 'utf8')),
      value: value === null ? null : new Uint8Array(Buffer.from(value, 'utf8')),
    });
  }
  return out.sort((a, b) => Buffer.compare(a.key, b.key));
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

export function encodeWriteSet(writes: readonly StateWrite[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(WRITE_SET_FORMAT), u32(writes.length)];
  for (const w of writes) {
    parts.push(u32(w.key.length), w.key);
    if (w.value === null) parts.push(Uint8Array.of(0));
    else parts.push(Uint8Array.of(1), u32(w.value.length), w.value);
  }
  return concatBytes(...parts);
}

export function chainStateRoot(parentRoot: Uint8Array, writes: readonly StateWrite[]): Uint8Array {
  return sha3_256(concatBytes(parentRoot, encodeWriteSet(writes)));
}
