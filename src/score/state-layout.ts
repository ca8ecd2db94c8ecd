/**
 * Every key of a channel's SCORE state, in this one file. Keys are strings (UTF-8 in storage, under the
 * channel's STATE key space of src/storage/keys.ts). Like storage prefixes, a key prefix once released is
 * never reused for anything else.
 *
 *   s/<cx address>/<SCORE key>     a SCORE's own storage (the SDK's container keys)
 *   r/<cx address>                 the SCORE record: owner, latest version, active version
 *   v/<cx address>/<8 hex digits>  one version of a SCORE (the SCORE Store)
 *   c/<0x code hash>               a deployed bundle, stored once per code hash
 *   g/validators                   validator set changes scheduled by governance
 *   k/chain-config                 the channel's chain config (root certificate, nid, consensus), genesis only
 *   l/size                         the certificate log's size (leaf count, lowercase hex, no 0x)
 *   l/<level hex>/<index hex>      a certificate log node: the hash (lowercase hex) of the perfect subtree of
 *                                  leaves [index·2^level, (index+1)·2^level); level 0 holds the leaf hashes
 *
 * Addresses are fixed-length, so a SCORE's keys can never collide with another SCORE's.
 */

/** The `to` of a deploy transaction that creates a new SCORE. */
export const CX_ZERO = 'cx0000000000000000000000000000000000000000';

export function scoreStorageKey(address: string, key: string): string {
  return `s/${address}/${key}`;
}

export function scoreRecordKey(address: string): string {
  return `r/${address}`;
}

export function versionKey(address: string, version: number): string {
  return `v/${address}/${version.toString(16).padStart(8, '0')}`;
}

export function codeKey(codeHash: string): string {
  return `c/${codeHash}`;
}

export const VALIDATOR_CHANGES_KEY = 'g/validators';

/** Consensus-critical chain config written by genesis, so the genesis state root (and hash) covers it. */
export const CHAIN_CONFIG_KEY = 'k/chain-config';

/** The certificate log (src/score/cert-log-state.ts): written by applyBlock only, never by a SCORE. */
export const CERT_LOG_SIZE_KEY = 'l/size';

export function certLogNodeKey(level: number, index: number): string {
  return `l/${level.toString(16)}/${index.toString(16)}`;
}
