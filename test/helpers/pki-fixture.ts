/**
 * PKI test fixtures: a consortium root and a Validator CA made by the ceremony code, a block profile,
 * seeded randomness for block issuer keys, and PKCS#10 requests built here (so tests can also break them).
 */
import { generateKeyPairSync, sign, createPublicKey, type KeyObject } from 'node:crypto';
import { createRoot, issueValidatorCa, type IssuedCa } from '../../src/pki/ceremony.js';
import { explicit, oid, seq, smallInt, bits, NULL, set, utf8 } from '../../src/pki/der.js';
import { parentCa, ProposerBlockIssuer, type Random } from '../../src/pki/block-issuer.js';
import type { BlockProfile } from '../../src/pki/tbs.js';
import { toPem } from '../../src/pki/tbs.js';
import { SeededRandom } from './seeded-random.js';

export const CONSORTIUM = 'KOFIA Joint Authentication';
export const OCSP_URL = 'http://127.0.0.1:8090/ocsp';
/**
 * Block time one hour ago, in whole seconds as µs: the conformance tests run GnuTLS, which verifies at the
 * wall-clock time (certtool has no --attime), so the fixture hierarchy is made around the real present.
 */
export const NOW_S = Math.floor(Date.now() / 1000);
export const BLOCK_TIME_US = BigInt(NOW_S - 3600) * 1_000_000n;
const CEREMONY_TIME = new Date((NOW_S - 86_400) * 1000);

export const seededRandom = (seed: number): Random => {
  const r = new SeededRandom(seed);
  return { bytes: (n) => r.bytes(n) };
};

export function profile(over: Partial<BlockProfile> = {}): BlockProfile {
  return {
    channel: 'kofia',
    height: 42n,
    parentHash: Uint8Array.from({ length: 32 }, (_, i) => i),
    blockTimeUs: BLOCK_TIME_US,
    consortium: CONSORTIUM,
    ocspUrl: OCSP_URL,
    ...over,
  };
}

export interface Hierarchy {
  root: IssuedCa;
  validatorCa: IssuedCa;
}

let cached: Hierarchy | undefined;
/** One root and Validator CA per test process (key generation is the slow part). */
export function hierarchy(): Hierarchy {
  if (cached) return cached;
  const root = createRoot({ consortium: CONSORTIUM, notBefore: CEREMONY_TIME });
  const validatorCa = issueValidatorCa({
    root,
    consortium: CONSORTIUM,
    institution: 'Validator Institution One',
    address: `hx${'ab'.repeat(20)}`,
    notBefore: CEREMONY_TIME,
  });
  cached = { root, validatorCa };
  return cached;
}

export const validatorParent = () => parentCa(hierarchy().validatorCa.certificate);

export type KeyKind =
  'P-256' | 'P-384' | 'P-521' | 'secp256k1' | 'RSA-1024' | 'RSA-2048' | 'RSA-4096' | 'Ed25519';

export function keyPair(kind: KeyKind): { privateKey: KeyObject; publicKey: KeyObject } {
  if (kind === 'Ed25519') return generateKeyPairSync('ed25519');
  if (kind.startsWith('RSA-')) return generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(4)) });
  return generateKeyPairSync('ec', { namedCurve: kind });
}

/** A PKCS#10 request; `subject` defaults to personal data that must never reach a certificate. */
export function makeCsr(
  key: { privateKey: KeyObject; publicKey?: KeyObject },
  o: { subject?: string; signWith?: KeyObject; hash?: 'sha256' | 'sha384'; algOid?: string } = {},
): string {
  const pub = key.publicKey ?? createPublicKey(key.privateKey);
  const spki = new Uint8Array(pub.export({ format: 'der', type: 'spki' }));
  // An empty subject ('') is what the certificate SCORE accepts: personal data never goes on chain.
  const subject =
    o.subject === ''
      ? seq()
      : seq(set(seq(oid('2.5.4.3'), utf8(o.subject ?? 'Hong Gildong 800101-1234567'))));
  const info = seq(smallInt(0), subject, spki, explicit(0));
  const signer = o.signWith ?? key.privateKey;
  const hash = o.hash ?? 'sha256';
  const isRsa = signer.asymmetricKeyType === 'rsa';
  const alg = o.algOid
    ? seq(oid(o.algOid))
    : isRsa
      ? seq(oid(hash === 'sha256' ? '1.2.840.113549.1.1.11' : '1.2.840.113549.1.1.12'), NULL)
      : seq(oid(hash === 'sha256' ? '1.2.840.10045.4.3.2' : '1.2.840.10045.4.3.3'));
  const sig =
    signer.asymmetricKeyType === 'ed25519'
      ? sign(null, info, signer)
      : sign(hash, info, { key: signer, dsaEncoding: 'der' });
  return toPem(seq(info, alg, bits(new Uint8Array(sig))), 'CERTIFICATE REQUEST');
}

/** The block profile of an execution context (the fields a BlockContext shares with it). */
export function profileOf(ctx: {
  readonly channel: string;
  readonly height: number;
  readonly parentHash: Uint8Array;
  readonly timestamp: bigint;
}): BlockProfile {
  return profile({
    channel: ctx.channel,
    height: BigInt(ctx.height),
    parentHash: ctx.parentHash,
    blockTimeUs: ctx.timestamp,
  });
}

/** A proposer's block issuer under the test hierarchy's Validator CA, with seeded randomness. */
export function testProposer(p: BlockProfile, seed: number): ProposerBlockIssuer {
  return new ProposerBlockIssuer(p, {
    validatorCa: validatorParent(),
    validatorCaKey: hierarchy().validatorCa.privateKey,
    random: seededRandom(seed),
  });
}
