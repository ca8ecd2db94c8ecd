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
import { hash } from 'node:crypto';
import type { StateWrite } from '../storage/channel-storage.js';

export const EMPTY_STATE_ROOT: Uint8Array = new Uint8Array(32);

const WRITE_SET_FORMAT = 0x01;

const utf8 = new TextEncoder();

/** The write set as storage takes it (UTF-8 bytes; null deletes), sorted by key bytes. */
export function encodeWrites(writes: Iterable<readonly [string, string | null]>): StateWrite[] {
  const out: StateWrite[] = [];
  for (const [key, value] of writes) {
    out.push({ key: utf8.encode(key), value: value === null ? null : utf8.encode(value) });
  }
  return out.sort((a, b) => Buffer.compare(a.key, b.key));
}

/** `prefix` ‖ the write set encoding, written into one buffer. */
function encodeAfter(prefix: Uint8Array, writes: readonly StateWrite[]): Uint8Array {
  let size = prefix.length + 5;
  for (const w of writes) size += 5 + w.key.length + (w.value === null ? 0 : 4 + w.value.length);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(prefix, 0);
  let at = prefix.length;
  out[at] = WRITE_SET_FORMAT;
  view.setUint32(at + 1, writes.length);
  at += 5;
  for (const w of writes) {
    view.setUint32(at, w.key.length);
    out.set(w.key, at + 4);
    at += 4 + w.key.length;
    if (w.value === null) {
      out[at++] = 0;
    } else {
      out[at] = 1;
      view.setUint32(at + 1, w.value.length);
      out.set(w.value, at + 5);
      at += 5 + w.value.length;
    }
  }
  return out;
}

export function encodeWriteSet(writes: readonly StateWrite[]): Uint8Array {
  return encodeAfter(new Uint8Array(0), writes);
}

export function chainStateRoot(parentRoot: Uint8Array, writes: readonly StateWrite[]): Uint8Array {
  return new Uint8Array(hash('sha3-256', encodeAfter(parentRoot, writes), 'buffer'));
}
