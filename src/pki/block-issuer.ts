/**
 * The per-block issuing capability of DESIGN §6, given to the certificate SCORE through the host.
 *
 * Proposer: on the first issuance of the block, a fresh P-256 key is made from injected randomness and
 * certified by the proposer's Validator CA; every TBS of the block is signed with it (and the signature checked
 * against the prepared bytes, STYLE 4 — on another thread when given a SignatureCheckOffload, ADR 0004);
 * `finish()` returns the record to put in the block and drops the key — it is never written anywhere, and
 * nothing can sign with this issuer afterwards.
 *
 * Validator: the same calls, in the same order, with the block's record. The issuer certificate must be
 * byte-for-byte what this node builds for the block and the recorded key, signed by the proposer's Validator
 * CA; each recorded signature must verify over the TBS this node built (on another thread when given a
 * SignatureCheckOffload: ADR 0004). Any difference throws a BlockIssuerError, which makes the block invalid.
 */
import {
  createECDH,
  hash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { bytesEqual, parseCertificate, type CertificateParts } from './cert-der.js';
import { BlockIssuerError } from './errors.js';
import { blockIssuerName } from './profiles.js';
import {
  assembleCertificate,
  BlockTbsBuilder,
  blockIssuerTbs,
  blockIssuerValidity,
  keyIdentifier,
  type BlockProfile,
} from './tbs.js';
import type { SignatureAlgorithm } from './profiles.js';
import type { SignatureCheckOffload, SignatureChecks } from './signature-checks.js';

/** Injected randomness (STYLE 1): the node passes a CSPRNG, tests a seeded one. */
export interface Random {
  bytes(n: number): Uint8Array;
}

/** What the block records about its issuance: the Block Issuer CA certificate and one entry per signed TBS. */
export interface IssuanceRecord {
  issuerCertificate: Uint8Array;
  signatures: { tbsSha256: Uint8Array; signature: Uint8Array }[];
}

/** The one interface the SCORE host uses, in both modes. */
export interface BlockSigner {
  readonly mode: 'proposer' | 'validator';
  /** Issuer name and key id for building TBS bytes; the first call brings the block's issuer into being. */
  builder(): BlockTbsBuilder;
  /** Signs (proposer) or checks the recorded signature over (validator) the next TBS; returns the certificate DER. */
  sign(tbs: Uint8Array): Uint8Array;
  /** The Block Issuer CA certificate, once there is one. */
  issuerCertificate(): Uint8Array | undefined;
  /** Ends the block: the proposer's record (key dropped) or the validator's completeness check. */
  finish(): IssuanceRecord | undefined;
  /**
   * Starts the block's issuance again at its first certificate, for an execution attempt that was thrown away
   * (applyBlock, ADR 0003): the proposer forgets the signatures it made (never published; it keeps the block
   * key and issuer certificate), the validator goes back to the record's first signature. A signer without it
   * makes applyBlock execute the block once, with a watchdog per sandbox run.
   */
  restart?(): void;
  /**
   * Waits for the checks this signer deferred to another thread (a validator with a SignatureCheckOffload):
   * true when every one passed. applyBlock calls it before trusting a fault or finishing an attempt; on false
   * it throws the attempt away and executes the block again after `restart()`, which checks everything inline,
   * so the inline execution decides which error a bad block gets (ADR 0004).
   */
  settle?(): boolean;
}

/** The parent CA as the issuer needs it: its certificate (parsed once) and what its signature algorithm is. */
export interface ParentCa {
  parts: CertificateParts;
  publicKey: KeyObject;
  keyId: Uint8Array;
  signatureAlgorithm: SignatureAlgorithm;
}

export function parentCa(certificateDer: Uint8Array): ParentCa {
  const parts = parseCertificate(certificateDer);
  const publicKey = createPublicKey({ key: Buffer.from(parts.spki), format: 'der', type: 'spki' });
  const curve = publicKey.asymmetricKeyDetails?.namedCurve;
  if (publicKey.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'secp384r1')) {
    throw new BlockIssuerError('ISSUER_MISMATCH', 'a Validator CA key must be P-256 or P-384');
  }
  return {
    parts,
    publicKey,
    keyId: parts.subjectKeyId ?? keyIdentifier(parts.spki),
    signatureAlgorithm: curve === 'prime256v1' ? 'ecdsa-with-SHA256' : 'ecdsa-with-SHA384',
  };
}

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(hash('sha256', b, 'buffer'));
const HASH = { 'ecdsa-with-SHA256': 'sha256', 'ecdsa-with-SHA384': 'sha384' } as const;
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** A P-256 key from injected randomness: rejection sampling of the scalar in [1, n−1]. */
export function p256KeyFrom(random: Random): {
  privateKey: KeyObject;
  publicKey: KeyObject;
  spki: Uint8Array;
} {
  for (;;) {
    const d = random.bytes(32);
    const v = BigInt(`0x${Buffer.from(d).toString('hex')}`);
    if (v === 0n || v >= P256_ORDER) continue;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(d);
    const pub = ecdh.getPublicKey();
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: b64u(pub.subarray(1, 33)),
      y: b64u(pub.subarray(33)),
      d: b64u(d),
    };
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    d.fill(0);
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicKey, spki: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })) };
  }
}

function issuerBuilder(profile: BlockProfile, spki: Uint8Array): BlockTbsBuilder {
  return new BlockTbsBuilder(profile, {
    name: blockIssuerName(profile.consortium, profile.channel, profile.height),
    keyId: keyIdentifier(spki),
  });
}

export class ProposerBlockIssuer implements BlockSigner {
  readonly mode = 'proposer';
  private key: KeyObject | undefined;
  private publicKey: KeyObject | undefined;
  private tbsBuilder: BlockTbsBuilder | undefined;
  private issuerCert: Uint8Array | undefined;
  private signatures: IssuanceRecord['signatures'] = [];
  private finished = false;
  /** The self-checks of this block's signatures running on another thread; undefined: checked in `sign`. */
  private deferred: SignatureChecks | undefined;
  /** After a restart every self-check is inline (the reference execution). */
  private inline = false;

  constructor(
    private readonly profile: BlockProfile,
    private readonly deps: {
      validatorCa: ParentCa;
      validatorCaKey: KeyObject;
      random: Random;
      signatureChecks?: SignatureCheckOffload;
    },
  ) {}

  builder(): BlockTbsBuilder {
    if (this.finished)
      throw new BlockIssuerError('FINISHED', 'the block issuer has finished; its key is gone');
    if (this.tbsBuilder) return this.tbsBuilder;
    const parent = this.deps.validatorCa;
    if (blockIssuerValidity(this.profile).notAfter > parent.parts.notAfter) {
      throw new BlockIssuerError(
        'ISSUER_OUTLIVES_PARENT',
        'the Validator CA expires before certificates of this block would',
      );
    }
    // Effects: makes the block's key (memory only) and signs its certificate with the Validator CA key.
    const fresh = p256KeyFrom(this.deps.random);
    const tbs = blockIssuerTbs(this.profile, { name: parent.parts.subject, ...parent }, fresh.spki);
    const alg = parent.signatureAlgorithm;
    const sig = sign(HASH[alg], tbs, { key: this.deps.validatorCaKey, dsaEncoding: 'der' });
    if (!verify(HASH[alg], tbs, { key: parent.publicKey, dsaEncoding: 'der' }, sig)) {
      throw new BlockIssuerError(
        'BAD_ISSUER_SIGNATURE',
        'the Validator CA key does not match its certificate',
      );
    }
    this.key = fresh.privateKey;
    this.publicKey = fresh.publicKey;
    this.issuerCert = assembleCertificate(tbs, alg, new Uint8Array(sig));
    this.tbsBuilder = issuerBuilder(this.profile, fresh.spki);
    this.startDeferred(fresh.spki);
    return this.tbsBuilder;
  }

  private startDeferred(spki: Uint8Array): void {
    if (this.deps.signatureChecks !== undefined && !this.inline) {
      this.deferred = this.deps.signatureChecks.startSignatureChecks(spki);
    }
  }

  private verifies(tbs: Uint8Array, signature: Uint8Array): boolean {
    return verify('sha256', tbs, { key: this.publicKey!, dsaEncoding: 'der' }, signature);
  }

  sign(tbs: Uint8Array): Uint8Array {
    this.builder();
    const sig = new Uint8Array(sign('sha256', tbs, { key: this.key!, dsaEncoding: 'der' }));
    // Check what was signed against what was prepared before it can leave the node (STYLE 4): here, or on
    // another thread before the record leaves applyBlock (settle, finish).
    if (this.deferred !== undefined) this.deferred.add(this.signatures.length, tbs, sig);
    else if (!this.verifies(tbs, sig)) {
      throw new BlockIssuerError('BAD_SIGNATURE', 'a fresh signature does not verify');
    }
    this.signatures.push({ tbsSha256: sha256(tbs), signature: sig });
    return assembleCertificate(tbs, 'ecdsa-with-SHA256', sig);
  }

  issuerCertificate(): Uint8Array | undefined {
    return this.issuerCert;
  }

  restart(): void {
    if (this.finished)
      throw new BlockIssuerError('FINISHED', 'the block issuer has finished; its key is gone');
    this.signatures = [];
    this.deferred = undefined;
    this.inline = true;
  }

  settle(): boolean {
    return this.deferred?.settle((tbs, signature) => this.verifies(tbs, signature)) ?? true;
  }

  /**
   * Returns the record for the block and drops the private key; no issuance in the block → undefined. Every
   * signature's self-check has passed by then (settled here too, for a caller that did not settle).
   */
  finish(): IssuanceRecord | undefined {
    if (!this.finished && this.issuerCert && !this.settle()) {
      this.finished = true;
      this.key = undefined;
      throw new BlockIssuerError('BAD_SIGNATURE', 'a fresh signature does not verify');
    }
    this.finished = true;
    this.key = undefined;
    if (!this.issuerCert) return undefined;
    return { issuerCertificate: this.issuerCert, signatures: this.signatures.slice() };
  }
}

export class ValidatingBlockIssuer implements BlockSigner {
  readonly mode = 'validator';
  private tbsBuilder: BlockTbsBuilder | undefined;
  private issuerKey: KeyObject | undefined;
  private used = 0;
  /** The recorded signatures being checked on another thread; undefined: each is checked in `sign`. */
  private deferred: SignatureChecks | undefined;
  /** After a restart every check is inline (the reference execution). */
  private inline = false;

  constructor(
    private readonly profile: BlockProfile,
    private readonly record: IssuanceRecord | undefined,
    private readonly deps: { validatorCa: ParentCa; signatureChecks?: SignatureCheckOffload },
  ) {}

  builder(): BlockTbsBuilder {
    if (this.tbsBuilder) return this.tbsBuilder;
    if (!this.record)
      throw new BlockIssuerError('MISSING_SIGNATURE', 'the block issues certificates but records no issuer');
    const parent = this.deps.validatorCa;
    let issuer: CertificateParts;
    try {
      issuer = parseCertificate(this.record.issuerCertificate);
    } catch (e) {
      throw new BlockIssuerError(
        'ISSUER_MISMATCH',
        `the recorded issuer certificate does not parse: ${(e as Error).message}`,
      );
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(issuer.spki), format: 'der', type: 'spki' });
    } catch {
      throw new BlockIssuerError('ISSUER_MISMATCH', 'the recorded issuer key does not parse');
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new BlockIssuerError('ISSUER_MISMATCH', 'the recorded issuer key is not P-256');
    }
    // 1. Its TBS must be what this node builds for this block and that key (and nothing else in the DER).
    const expected = blockIssuerTbs(this.profile, { name: parent.parts.subject, ...parent }, issuer.spki);
    const alg = parent.signatureAlgorithm;
    if (
      !bytesEqual(expected, issuer.tbs) ||
      !bytesEqual(assembleCertificate(expected, alg, issuer.signature), this.record.issuerCertificate)
    ) {
      throw new BlockIssuerError(
        'ISSUER_MISMATCH',
        'the recorded issuer certificate differs from this node’s own',
      );
    }
    // 2. It must be signed by the proposer's Validator CA.
    if (!verify(HASH[alg], issuer.tbs, { key: parent.publicKey, dsaEncoding: 'der' }, issuer.signature)) {
      throw new BlockIssuerError(
        'BAD_ISSUER_SIGNATURE',
        'the issuer certificate is not signed by the proposer’s Validator CA',
      );
    }
    this.issuerKey = key;
    this.tbsBuilder = issuerBuilder(this.profile, issuer.spki);
    if (this.deps.signatureChecks !== undefined && !this.inline) {
      this.deferred = this.deps.signatureChecks.startSignatureChecks(issuer.spki);
    }
    return this.tbsBuilder;
  }

  private verifies(tbs: Uint8Array, signature: Uint8Array): boolean {
    try {
      return verify('sha256', tbs, { key: this.issuerKey!, dsaEncoding: 'der' }, signature);
    } catch {
      return false; // a malformed recorded signature is a bad signature
    }
  }

  sign(tbs: Uint8Array): Uint8Array {
    this.builder();
    const entry = this.record!.signatures[this.used];
    if (!entry) throw new BlockIssuerError('MISSING_SIGNATURE', `no recorded signature #${this.used}`);
    const index = this.used++;
    if (!bytesEqual(sha256(tbs), entry.tbsSha256)) {
      throw new BlockIssuerError(
        'TBS_MISMATCH',
        `certificate #${index}: the proposer signed different TBS bytes`,
        { index },
      );
    }
    if (this.deferred !== undefined) this.deferred.add(index, tbs, entry.signature);
    else if (!this.verifies(tbs, entry.signature))
      throw new BlockIssuerError(
        'BAD_SIGNATURE',
        `certificate #${index}: the recorded signature does not verify`,
        { index },
      );
    return assembleCertificate(tbs, 'ecdsa-with-SHA256', entry.signature);
  }

  issuerCertificate(): Uint8Array | undefined {
    return this.tbsBuilder ? this.record?.issuerCertificate : undefined;
  }

  restart(): void {
    this.used = 0;
    this.deferred = undefined;
    this.inline = true;
  }

  settle(): boolean {
    return this.deferred?.settle((tbs, signature) => this.verifies(tbs, signature)) ?? true;
  }

  /**
   * Every recorded signature must have been used and verify, and a recorded issuer must have been needed.
   * (applyBlock settles deferred checks before; settling here too keeps any other caller from skipping them.)
   */
  finish(): IssuanceRecord | undefined {
    if (!this.record) return undefined;
    if (!this.tbsBuilder)
      throw new BlockIssuerError('UNEXPECTED_ISSUER', 'the block records an issuer but issues nothing');
    if (!this.settle())
      throw new BlockIssuerError('BAD_SIGNATURE', 'a recorded signature of the block does not verify');
    if (this.used !== this.record.signatures.length) {
      throw new BlockIssuerError(
        'EXTRA_SIGNATURES',
        `the block records ${this.record.signatures.length} signatures, ${this.used} were used`,
      );
    }
    return this.record;
  }
}
