/**
 * Every LevelDB key prefix of the node, in this one file.
 *
 * RULE: a prefix byte, once released, is never reused for anything else, even after the data it named is
 * gone. Old databases, backups and audit copies may still hold keys under it, and a reused byte would make
 * them decode as something they are not. To retire a prefix, move it to RETIRED below with the release that
 * dropped it; to add one, take the next free byte. The same rule holds for the format bytes in records.ts.
 *
 * Layout: `NAMESPACE_CHANNEL ‖ len(name) ‖ name ‖ keySpace ‖ rest`. One node process serves several
 * channels from one LevelDB, so each channel's chain, state and consensus record live under their own
 * namespace, and a single atomic batch can still span everything a commit touches. The length byte keeps
 * one channel name from being a prefix of another ("chat" vs "chat2").
 */
import { StorageError } from './errors.js';

/** Top-level namespaces (first byte of every key). 0x00 is reserved so a zeroed key never means anything. */
export const NAMESPACE_CHANNEL = 0x01;

/** Key spaces inside a channel namespace (the byte after the channel name). */
export const KeySpace = {
  /** Single key → meta record: last committed height and block hash (records.ts). */
  META: 0x01,
  /** u64be height → 32-byte block hash. Big-endian so heights sort numerically. */
  BLOCK_HASH_BY_HEIGHT: 0x02,
  /** 32-byte block hash → encoded block bytes (protobuf, owned by the ledger). */
  BLOCK_BY_HASH: 0x03,
  /**
   * u64be height → commit proof bytes (the QC that made the block final). The votes for block N ride in
   * block N+1, so the newest block's proof exists nowhere else; sync and finality queries need it.
   */
  COMMIT_PROOF_BY_HEIGHT: 0x04,
  /** 32-byte tx hash → tx record: height, index, tx bytes, receipt bytes (records.ts). */
  TX_BY_HASH: 0x05,
  /** Opaque state key → state value, for the channel's committed state. */
  STATE: 0x06,
  /** Single key → consensus safety record (last voted round …), opaque bytes owned by consensus. */
  SAFETY: 0x07,
  /** u8 level ‖ u64be index → 32-byte node hash of the RFC 6962 certificate log. */
  LOG_NODE: 0x08,
} as const;

/** Retired prefixes: none yet. Format: `0xNN: what it held, release that dropped it`. */
export const RETIRED: Readonly<Record<number, string>> = {};

/** Block, transaction and log-node hashes are all 32 bytes (SHA3-256 / SHA-256). */
export const HASH_LENGTH = 32;

/** The certificate log cannot be deeper than 64 levels: sizes are below 2^53. */
export const MAX_LOG_LEVEL = 63;

const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The key prefix of a channel's namespace. Names are ASCII so their bytes are unambiguous. */
export function channelPrefix(channel: string): Uint8Array {
  if (!CHANNEL_NAME.test(channel)) {
    throw new StorageError('STORAGE_INVALID_ARGUMENT', `invalid channel name for storage: ${channel}`, {
      channel,
    });
  }
  const out = new Uint8Array(2 + channel.length);
  out[0] = NAMESPACE_CHANNEL;
  out[1] = channel.length;
  for (let i = 0; i < channel.length; i++) out[2 + i] = channel.charCodeAt(i);
  return out;
}

export function metaKey(): Uint8Array {
  return Uint8Array.of(KeySpace.META);
}

export function safetyKey(): Uint8Array {
  return Uint8Array.of(KeySpace.SAFETY);
}

export function blockHashByHeightKey(height: number): Uint8Array {
  return withU64(KeySpace.BLOCK_HASH_BY_HEIGHT, height);
}

export function commitProofKey(height: number): Uint8Array {
  return withU64(KeySpace.COMMIT_PROOF_BY_HEIGHT, height);
}

export function blockByHashKey(hash: Uint8Array): Uint8Array {
  return withBytes(KeySpace.BLOCK_BY_HASH, hash);
}

export function txByHashKey(hash: Uint8Array): Uint8Array {
  return withBytes(KeySpace.TX_BY_HASH, hash);
}

export function stateKey(key: Uint8Array): Uint8Array {
  return withBytes(KeySpace.STATE, key);
}

export function logNodeKey(level: number, index: number): Uint8Array {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LOG_LEVEL) {
    throw new StorageError('STORAGE_INVALID_ARGUMENT', `log level out of range: ${level}`, { level });
  }
  const out = new Uint8Array(10);
  out[0] = KeySpace.LOG_NODE;
  out[1] = level;
  writeU64(out, 2, index);
  return out;
}

/** Writes a non-negative safe integer as 8 big-endian bytes (numbers, because heights stay below 2^53). */
export function writeU64(out: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StorageError('STORAGE_INVALID_ARGUMENT', `not a non-negative safe integer: ${value}`, {
      value,
    });
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(offset, Math.floor(value / 0x1_0000_0000));
  view.setUint32(offset + 4, value >>> 0);
}

/** Reads 8 big-endian bytes; undefined when the value exceeds Number.MAX_SAFE_INTEGER. */
export function readU64(bytes: Uint8Array, offset: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = view.getUint32(offset) * 0x1_0000_0000 + view.getUint32(offset + 4);
  return Number.isSafeInteger(value) ? value : undefined;
}

function withU64(space: number, value: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = space;
  writeU64(out, 1, value);
  return out;
}

function withBytes(space: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + bytes.length);
  out[0] = space;
  out.set(bytes, 1);
  return out;
}
