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
import { bytesToHex, hexToBytes } from '../codec/hex.js';
import { BlockIssuerError, CsrError, PkiError } from '../pki/errors.js';
import { parseCsr } from '../pki/csr.js';
import { toPem } from '../pki/tbs.js';
import { DEFAULT_MAX_VALIDITY_DAYS, validityWindow } from '../pki/profiles.js';
import type { BlockSigner } from '../pki/block-issuer.js';
import { failure, type FailureCode } from './errors.js';
import { Refusal } from './sandbox.js';

export interface PkiCallContext {
  readonly channel: string;
  readonly height: number;
  readonly timestamp: bigint;
  readonly parentHash: Uint8Array;
  readonly signer: BlockSigner | undefined;
  readonly txHash: string | undefined;
  readonly readonly: boolean;
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

const rejected = (e: CsrError | PkiError): string =>
  JSON.stringify({ ok: false, code: e.code, message: e.message });

export function pkiOperation(c: PkiCallContext, operation: string, argsJson: string): string {
  const args = argsOf(operation, argsJson);
  switch (operation) {
    case 'hash':
      return JSON.stringify({ sha256: createHash('sha256').update(bytes(args, 'hex')).digest('hex') });
    case 'parseCsr':
      try {
        const csr = parseCsr(str(args, 'pem'));
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
      chain: toPem(issuer),
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

/** The signer must have been made for this very block; anything else is a host misconfiguration. */
function checkProfile(
  c: PkiCallContext,
  p: { channel: string; height: bigint; parentHash: Uint8Array; blockTimeUs: bigint },
): void {
  if (
    p.channel !== c.channel ||
    p.height !== BigInt(c.height) ||
    p.blockTimeUs !== c.timestamp ||
    bytesToHex(p.parentHash) !== bytesToHex(c.parentHash)
  ) {
    throw new Error('the block signer was made for another block');
  }
}
