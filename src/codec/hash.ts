import { createHash } from 'node:crypto';

/** SHA3-256 (FIPS 202), the hash of ICON transactions, blocks and addresses. */
export function sha3_256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha3-256').update(data).digest());
}

/** SHA-256, the hash of the RFC 6962 certificate log. */
export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}
