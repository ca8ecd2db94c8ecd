/**
 * The certificate log (DESIGN §3) kept in SCORE state, so that applyBlock can append to it synchronously and
 * readonly calls can serve checkpoints and proofs. Only perfect-subtree nodes are stored (src/ledger/cert-log.ts)
 * under the `l/` prefix of state-layout.ts, with the size at `l/size`; the root of any past size is a fold of
 * at most ~log2(n) of them.
 *
 * Leaf data (docs/pki.md, "Certificate log"): the UTF-8 bytes of the JSON array
 *
 *   ["loopchain-cert-log-v1", <event name>, <serial>, <firm>, <0x-hex block height>, <0x-hex tx hash>, [<data…>]]
 *
 * where serial and firm are the event's first two indexed values and data its data values, all strings, as
 * emitted. JSON.stringify of an array of strings has one spelling, so the encoding is canonical. The leaf hash
 * is certLogHasher.hashLeaf(leaf data) = SHA-256(0x00 ‖ leaf data).
 */
import { bytesToHex, hexToBytes } from '../codec/hex.js';
import {
  appendLeafHashesSync,
  logConsistencyProofSync,
  logInclusionProofSync,
  logRootSync,
  type SyncNodeReader,
} from '../ledger/cert-log.js';
import { certLogHasher } from '../ledger/merkle.js';
import type { StateReader } from './overlay.js';
import type { EventLog } from './receipt.js';
import { CERT_LOG_SIZE_KEY, certLogNodeKey } from './state-layout.js';

export const CERT_LOG_LEAF_VERSION = 'loopchain-cert-log-v1';

/** The certificate SCORE's events that are log leaves. */
export const CERT_LOG_EVENTS: ReadonlySet<string> = new Set([
  'CertificateIssued',
  'CertificateRevoked',
  'CertificateSuspended',
  'CertificateResumed',
  'CertificateRenewed',
  'CertificateRegistered',
]);

export interface CertLogCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
}

/** The event name of a log's `Name(type,…)` signature. */
export function eventName(event: EventLog): string {
  const sig = event.indexed[0] ?? '';
  const paren = sig.indexOf('(');
  return paren < 0 ? sig : sig.slice(0, paren);
}

const LEAF_UTF8 = new TextEncoder();

/** The leaf data of a certificate event (see the module comment), or undefined if it is not a log event. */
export function certLogLeafData(event: EventLog, height: number, txHash: string): Uint8Array | undefined {
  const name = eventName(event);
  if (!CERT_LOG_EVENTS.has(name)) return undefined;
  const [, serial, firm] = event.indexed;
  if (serial === undefined || firm === undefined) {
    throw new Error(`certificate event ${name} lacks its serial and firm`);
  }
  const leaf = [
    CERT_LOG_LEAF_VERSION,
    name,
    serial,
    firm,
    `0x${height.toString(16)}`,
    txHash,
    [...event.data],
  ];
  return LEAF_UTF8.encode(JSON.stringify(leaf));
}

export function stateNodeReader(state: StateReader): SyncNodeReader {
  return (level, index) => {
    const v = state.get(certLogNodeKey(level, index));
    return v === undefined ? undefined : hexToBytes(v);
  };
}

export function certLogSize(state: StateReader): number {
  const v = state.get(CERT_LOG_SIZE_KEY);
  return v === undefined ? 0 : Number.parseInt(v, 16);
}

export function certLogCheckpoint(state: StateReader): CertLogCheckpoint {
  const size = certLogSize(state);
  return {
    size,
    root: size === 0 ? certLogHasher.emptyRoot() : logRootSync(stateNodeReader(state), size),
  };
}

/** Appends leaves (their data) to the log in `state`, writing the completed nodes and the new size. */
export function appendCertLog(
  state: StateReader & { set(key: string, value: string | null): void },
  leaves: readonly Uint8Array[],
): CertLogCheckpoint {
  const size = certLogSize(state);
  if (leaves.length === 0) return certLogCheckpoint(state);
  const r = appendLeafHashesSync(
    stateNodeReader(state),
    size,
    leaves.map((l) => certLogHasher.hashLeaf(l)),
  );
  for (const n of r.nodes) state.set(certLogNodeKey(n.level, n.index), bytesToHex(n.hash));
  state.set(CERT_LOG_SIZE_KEY, r.size.toString(16));
  return { size: r.size, root: r.root };
}

export function certLogInclusionProof(state: StateReader, leafIndex: number, treeSize: number): Uint8Array[] {
  return logInclusionProofSync(stateNodeReader(state), leafIndex, treeSize);
}

export function certLogConsistencyProof(state: StateReader, size1: number, size2: number): Uint8Array[] {
  return logConsistencyProofSync(stateNodeReader(state), size1, size2);
}
