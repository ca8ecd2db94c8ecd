/**
 * The host side of the SDK's `pki` operation: the per-block issuer (DESIGN §6) as the certificate authority
 * SCORE sees it. The SCORE gets strings only; every answer is JSON of strings and booleans.
 *
 * Errors are split three ways: a CSR or subject the SCORE should refuse is an answer `{ok: false, code}` (the
 * SCORE reverts with its own code); a malformed call or a block without a signer is a Refusal (the transaction
 * fails); a BlockIssuerError — the recorded issuance differs from this node's own — is a block fault: it is
 * remembered by the executor and applyBlock throws BlockInvalidError for the whole block.
 */
import { createHash } from 'node:crypto';
import { bytesToHex, equalBytes, hexToBytes } from '../codec/hex.js';
import { BlockIssuerError, CsrError, PkiError } from '../pki/errors.js';
import { parseCsr, type PopChecked } from '../pki/csr.js';
import { toPem } from '../pki/tbs.js';
import { DEFAULT_MAX_VALIDITY_DAYS, validityWindow } from '../pki/profiles.js';
import type { BlockSigner } from '../pki/block-issuer.js';
import { failure, type FailureCode } from './errors.js';
import { Refusal } from './sandbox.js';
import type { StateReader } from './overlay.js';
import {
  certLogCheckpoint,
  certLogConsistencyProof,
  certLogInclusionProof,
  stateNodeReader,
} from './cert-log-state.js';

export interface PkiCallContext {
  readonly channel: string;
  readonly height: number;
  readonly timestamp: bigint;
  readonly parentHash: Uint8Array;
  readonly signer: BlockSigner | undefined;
  /** Proofs of possession checked ahead (optional; results are the same without it). */
  readonly popChecked?: PopChecked;
  readonly txHash: string | undefined;
  readonly readonly: boolean;
  /** The state the call sees: the certificate log ops read it (the log as of the parent block in a tx). */
  readonly state: StateReader;
  /** Records a block fault (the executor turns it into BlockInvalidError). */
  readonly fault: (e: BlockIssuerError) => void;
}

const MAX_INDEX = 0xffff;

function refuse(code: FailureCode, message: string): never {
  throw new Refusal(failure(code, message));
}

function argsOf(operation: string, argsJson: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(argsJson);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    refuse('INVALID_PKI_CALL', `${operation.slice(0, 40)}: the arguments are not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function str(args: Record<string, unknown>, name: string, max = 10_000): string {
  const v = args[name];
  if (typeof v !== 'string' || v.length > max) refuse('INVALID_PKI_CALL', `${name} must be a string`);
  return v;
}

function int(args: Record<string, unknown>, name: string, max: number): number {
  const v = args[name];
  let n: number | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) n = v;
  else if (typeof v === 'string' && /^0x[0-9a-f]{1,8}$/.test(v)) n = Number(BigInt(v));
  if (n === undefined || n < 0 || n > max) refuse('INVALID_PKI_CALL', `${name} must be an integer 0…${max}`);
  return n;
}

function bytes(args: Record<string, unknown>, name: string): Uint8Array {
  const v = str(args, name, 20_000);
  const b = /^(0x)?[0-9a-f]*$/.test(v) ? hexToBytes(v.startsWith('0x') ? v.slice(2) : v) : undefined;
  if (b === undefined) refuse('INVALID_PKI_CALL', `${name} must be hex`);
  return b;
}

/**
 * The PEM of each block's issuer certificate, made once rather than for every certificate of the block (the
 * signer hands out the same bytes for the whole block; they are never modified).
 */
const issuerPems = new WeakMap<Uint8Array, string>();

function issuerPem(issuer: Uint8Array): string {
  let pem = issuerPems.get(issuer);
  if (pem === undefined) {
    pem = toPem(issuer);
    issuerPems.set(issuer, pem);
  }
  return pem;
}

const rejected = (e: CsrError | PkiError): string =>
  JSON.stringify({ ok: false, code: e.code, message: e.message });

export function pkiOperation(c: PkiCallContext, operation: string, argsJson: string): string {
  const args = argsOf(operation, argsJson);
  switch (operation) {
    case 'hash':
      return JSON.stringify({ sha256: createHash('sha256').update(bytes(args, 'hex')).digest('hex') });
    case 'parseCsr':
      try {
        const csr = parseCsr(str(args, 'pem'), c.popChecked);
        return JSON.stringify({
          ok: true,
          spki: bytesToHex(csr.spki),
          fingerprint: csr.fingerprint,
          keyType: csr.keyType,
          anonymous: csr.anonymous,
        });
      } catch (e) {
        if (e instanceof CsrError) return rejected(e);
        throw e;
      }
    case 'issue':
      return issue(c, args);
    case 'issueResponder':
      return issueResponder(c, args);
    case 'logCheckpoint':
    case 'logInclusion':
    case 'logConsistency':
      return logOperation(c.state, operation, args);
    default:
      return refuse('INVALID_PKI_CALL', `unknown pki operation '${operation.slice(0, 40)}'`);
  }
}

function issue(c: PkiCallContext, args: Record<string, unknown>): string {
  if (c.readonly) refuse('READONLY_WRITE', 'a readonly call cannot issue certificates');
  const signer = c.signer;
  if (signer === undefined) refuse('PKI_UNAVAILABLE', 'this block has no certificate issuer');
  if (c.txHash === undefined) refuse('INVALID_PKI_CALL', 'issue needs a transaction');
  const txHash = hexToBytes(c.txHash.slice(2));
  if (txHash === undefined) refuse('INVALID_PKI_CALL', 'malformed transaction hash');
  const input = {
    subjectId: str(args, 'subjectId', 256),
    firm: str(args, 'firm', 256),
    spki: bytes(args, 'spki'),
    validityDays: int(args, 'validityDays', 100_000),
    index: int(args, 'index', MAX_INDEX),
  };
  try {
    const builder = signer.builder();
    checkProfile(c, builder.profile);
    const prepared = builder.endEntity({ txHash, ...input });
    const certificate = signer.sign(prepared.tbs);
    const { notAfter } = validityWindow(
      builder.profile.blockTimeUs,
      input.validityDays,
      builder.profile.maxValidityDays ?? DEFAULT_MAX_VALIDITY_DAYS,
    );
    const issuer = signer.issuerCertificate();
    if (issuer === undefined) throw new Error('the block signer has no issuer certificate after signing');
    return JSON.stringify({
      ok: true,
      serial: `0x${bytesToHex(prepared.serial)}`,
      certificate: toPem(certificate),
      chain: issuerPem(issuer),
      notAfter: `0x${notAfter.toString(16)}`,
    });
  } catch (e) {
    if (e instanceof PkiError) return rejected(e);
    if (e instanceof BlockIssuerError) {
      c.fault(e);
      refuse('INTERNAL', 'the block issuance is invalid');
    }
    throw e;
  }
}

/**
 * `issueResponder {name, spki}`: the delegated OCSP responder certificate of this block's issuer for one
 * registered responder key (docs/pki.md, OCSP responder profile), signed (proposer) or checked against the
 * record (validator) like an end-entity certificate, in call order. → `{ok, serial, certificate}`.
 */
function issueResponder(c: PkiCallContext, args: Record<string, unknown>): string {
  if (c.readonly) refuse('READONLY_WRITE', 'a readonly call cannot issue certificates');
  const signer = c.signer;
  if (signer === undefined) refuse('PKI_UNAVAILABLE', 'this block has no certificate issuer');
  const input = { responder: str(args, 'name', 256), spki: bytes(args, 'spki') };
  try {
    const builder = signer.builder();
    checkProfile(c, builder.profile);
    const prepared = builder.responder(input);
    const certificate = signer.sign(prepared.tbs);
    return JSON.stringify({
      ok: true,
      serial: `0x${bytesToHex(prepared.serial)}`,
      certificate: toPem(certificate),
    });
  } catch (e) {
    if (e instanceof PkiError) return rejected(e);
    if (e instanceof BlockIssuerError) {
      c.fault(e);
      refuse('INTERNAL', 'the block issuance is invalid');
    }
    throw e;
  }
}

/** The signer must have been made for this very block; anything else is a host misconfiguration. */
function checkProfile(
  c: PkiCallContext,
  p: { channel: string; height: bigint; parentHash: Uint8Array; blockTimeUs: bigint },
): void {
  if (
    p.channel !== c.channel ||
    p.height !== BigInt(c.height) ||
    p.blockTimeUs !== c.timestamp ||
    !equalBytes(p.parentHash, c.parentHash)
  ) {
    throw new Error('the block signer was made for another block');
  }
}

const MAX_LOG_SIZE = 0xffffffff;
const hex0x = (b: Uint8Array): string => `0x${bytesToHex(b)}`;

/**
 * The certificate log (cert-log-state.ts), read-only: `logCheckpoint {}` → `{ok, size, root}`,
 * `logInclusion {leafIndex, treeSize}` → `{ok, leafIndex, treeSize, leafHash, proof[]}`, `logConsistency {size1,
 * size2}` → `{ok, proof[]}`; sizes 0x-hex, hashes 0x-hex. A size beyond the log or an index outside the tree is
 * `{ok: false, code: 'BAD_LOG_SIZE' | 'BAD_LEAF_INDEX'}`, for the SCORE to revert with.
 */
function logOperation(state: StateReader, operation: string, args: Record<string, unknown>): string {
  const { size, root } = certLogCheckpoint(state);
  const no = (code: string, message: string): string => JSON.stringify({ ok: false, code, message });
  switch (operation) {
    case 'logCheckpoint':
      return JSON.stringify({ ok: true, size: `0x${size.toString(16)}`, root: hex0x(root) });
    case 'logInclusion': {
      const leafIndex = int(args, 'leafIndex', MAX_LOG_SIZE);
      const treeSize = int(args, 'treeSize', MAX_LOG_SIZE);
      if (treeSize > size) return no('BAD_LOG_SIZE', `treeSize must be at most the log size ${size}`);
      if (leafIndex >= treeSize) return no('BAD_LEAF_INDEX', 'leafIndex must be below treeSize');
      const leafHash = stateNodeReader(state)(0, leafIndex);
      if (leafHash === undefined) throw new Error(`cert log leaf ${leafIndex} is missing`);
      return JSON.stringify({
        ok: true,
        leafIndex: `0x${leafIndex.toString(16)}`,
        treeSize: `0x${treeSize.toString(16)}`,
        leafHash: hex0x(leafHash),
        proof: certLogInclusionProof(state, leafIndex, treeSize).map(hex0x),
      });
    }
    default: {
      const size1 = int(args, 'size1', MAX_LOG_SIZE);
      const size2 = int(args, 'size2', MAX_LOG_SIZE);
      if (size2 > size) return no('BAD_LOG_SIZE', `size2 must be at most the log size ${size}`);
      if (size1 < 1 || size1 > size2) return no('BAD_LOG_SIZE', 'sizes must satisfy 0 < size1 <= size2');
      return JSON.stringify({ ok: true, proof: certLogConsistencyProof(state, size1, size2).map(hex0x) });
    }
  }
}
