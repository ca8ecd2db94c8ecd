import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import {
  ProposerBlockIssuer,
  ValidatingBlockIssuer,
  parentCa,
  p256KeyFrom,
  type BlockSigner,
  type IssuanceRecord,
} from '../../src/pki/block-issuer.js';
import { verifyChain } from '../../src/pki/chain.js';
import { issueValidatorCa } from '../../src/pki/ceremony.js';
import { parseCsr } from '../../src/pki/csr.js';
import { BlockIssuerError, type BlockIssuerErrorCode } from '../../src/pki/errors.js';
import type { BlockProfile } from '../../src/pki/tbs.js';
import {
  BLOCK_TIME_US,
  CONSORTIUM,
  hierarchy,
  keyPair,
  makeCsr,
  profile,
  seededRandom,
  validatorParent,
  testProposer,
} from '../helpers/pki-fixture.js';

const PERSONAL = 'Hong Gildong 800101-1234567';
const csrs = Array.from({ length: 3 }, (_, i) =>
  parseCsr(makeCsr(keyPair(i === 1 ? 'P-384' : 'P-256'), { subject: PERSONAL })),
);
const responderSpki = parseCsr(makeCsr(keyPair('P-256'))).spki;

/** What the certificate SCORE does through the host capability: build each TBS, then have it signed. */
function runBlock(signer: BlockSigner, o: { flip?: number } = {}): Uint8Array[] {
  const out: Uint8Array[] = [];
  csrs.forEach((csr, i) => {
    const { tbs } = signer.builder().endEntity({
      txHash: new Uint8Array(32).fill(i + 1),
      index: 0,
      firm: 'Firm A Securities',
      subjectId: `ps_customer_${i}_pseudonym`,
      spki: csr.spki,
      validityDays: 365,
    });
    if (o.flip === i) tbs[tbs.length - 1]! ^= 0x01;
    out.push(signer.sign(tbs));
  });
  out.push(signer.sign(signer.builder().responder({ responder: 'kofia-ocsp-1', spki: responderSpki }).tbs));
  return out;
}

const proposer = (p: BlockProfile = profile(), seed = 1): ProposerBlockIssuer => testProposer(p, seed);
const validator = (record: IssuanceRecord | undefined, p: BlockProfile = profile()): ValidatingBlockIssuer =>
  new ValidatingBlockIssuer(p, record, { validatorCa: validatorParent() });

function propose(): { certs: Uint8Array[]; record: IssuanceRecord } {
  const s = proposer();
  const certs = runBlock(s);
  return { certs, record: s.finish()! };
}

const invalid = (code: BlockIssuerErrorCode) => (e: unknown) => {
  assert.ok(e instanceof BlockIssuerError, `expected a BlockIssuerError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return true;
};
const at = new Date(Number(BLOCK_TIME_US / 1000n) + 60_000);

test('proposer and validator produce the same certificates; the chain verifies to the root', () => {
  const { certs, record } = propose();
  assert.equal(record.signatures.length, 4);
  const v = validator(record);
  const again = runBlock(v);
  assert.deepEqual(again, certs);
  assert.equal(v.finish(), record);
  const { root, validatorCa } = hierarchy();
  for (const [i, leaf] of certs.entries()) {
    const r = verifyChain({
      root: root.certificate,
      intermediates: [validatorCa.certificate, record.issuerCertificate],
      leaf,
      at,
      purpose: i < 3 ? 'end-entity' : 'ocsp-responder',
    });
    assert.deepEqual(r.ok, true, JSON.stringify(r));
  }
});

test('the issuer key is made on the first issuance only, and finish() drops it', () => {
  const s = proposer();
  assert.equal(s.issuerCertificate(), undefined);
  runBlock(s);
  const issuer = s.issuerCertificate()!;
  assert.ok(issuer);
  runBlock(s); // same block, more issuances: same issuer
  assert.deepEqual(s.issuerCertificate(), issuer);
  const record = s.finish()!;
  assert.equal(record.signatures.length, 8);
  assert.throws(() => s.sign(new Uint8Array(10)), invalid('FINISHED'));
  assert.throws(() => s.builder(), invalid('FINISHED'));
  assert.equal(Object.values(s).filter((v) => v && (v as { type?: string }).type === 'private').length, 0);
  // A block without issuance records nothing and has no issuer.
  assert.equal(proposer().finish(), undefined);
});

test('the Block Issuer CA certificate is the documented profile, signed by the proposer Validator CA', () => {
  const { record } = propose();
  const c = new X509Certificate(Buffer.from(record.issuerCertificate));
  assert.ok(c.verify(new X509Certificate(Buffer.from(hierarchy().validatorCa.certificate)).publicKey));
  assert.equal(c.subject, `O=${CONSORTIUM}\nOU=channel kofia\nCN=Block Issuer CA kofia 42`);
  assert.equal(c.ca, true);
  assert.equal(new Date(c.validFrom).getTime(), Number(BLOCK_TIME_US / 1_000_000n) * 1000);
  const days = (new Date(c.validTo).getTime() - new Date(c.validFrom).getTime() + 1000) / 86_400_000;
  assert.equal(days, 1095);
  assert.equal(c.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
});

test('the issuer key comes from the injected randomness (fresh per block, reproducible in tests)', () => {
  const a = proposer(profile(), 5);
  a.builder();
  const b = proposer(profile(), 5);
  b.builder();
  const spkiOf = (s: ProposerBlockIssuer) => parentCa(s.issuerCertificate()!).parts.spki;
  assert.deepEqual(spkiOf(a), spkiOf(b));
  assert.deepEqual(spkiOf(a), p256KeyFrom(seededRandom(5)).spki);
  const c = proposer(profile(), 6);
  c.builder();
  assert.notDeepEqual(spkiOf(c), spkiOf(a));
});

test('a tampered recorded signature makes the block invalid (BAD_SIGNATURE)', () => {
  const { record } = propose();
  const sig = Uint8Array.from(record.signatures[1]!.signature);
  sig[sig.length - 3]! ^= 0x40;
  const tampered = {
    ...record,
    signatures: record.signatures.map((s, i) => (i === 1 ? { ...s, signature: sig } : s)),
  };
  assert.throws(() => runBlock(validator(tampered)), invalid('BAD_SIGNATURE'));
  // A signature recorded for another certificate of the block does not fit either.
  const swapped = {
    ...record,
    signatures: [record.signatures[1]!, record.signatures[0]!, ...record.signatures.slice(2)],
  };
  assert.throws(() => runBlock(validator(swapped)), invalid('TBS_MISMATCH'));
});

test('a TBS differing by one byte from the proposer’s is refused (TBS_MISMATCH)', () => {
  const { record } = propose();
  assert.throws(() => runBlock(validator(record), { flip: 2 }), invalid('TBS_MISMATCH'));
  // And with a matching digest forged into the record, the signature still refuses it.
  const s = proposer();
  runBlock(s, { flip: 0 });
  const forged = s.finish()!;
  const honest = propose().record;
  assert.throws(
    () =>
      runBlock(
        validator({
          ...forged,
          signatures: [{ ...honest.signatures[0]!, tbsSha256: forged.signatures[0]!.tbsSha256 }],
        }),
      ),
    invalid('TBS_MISMATCH'),
  );
});

test('a swapped issuer certificate makes the block invalid (ISSUER_MISMATCH / BAD_ISSUER_SIGNATURE)', () => {
  const { record } = propose();
  // The issuer certificate of another block (height 43).
  const other = proposer(profile({ height: 43n }));
  runBlock(other);
  const otherIssuer = other.finish()!.issuerCertificate;
  assert.throws(
    () => runBlock(validator({ ...record, issuerCertificate: otherIssuer })),
    invalid('ISSUER_MISMATCH'),
  );
  // The same block, but certified by another validator's CA (same names): not the proposer's signature.
  const { root } = hierarchy();
  const otherCa = issueValidatorCa({
    root,
    consortium: CONSORTIUM,
    institution: 'Validator Institution One',
    address: `hx${'ab'.repeat(20)}`,
    notBefore: new Date(Date.now() - 86_400_000),
  });
  const rogue = new ProposerBlockIssuer(profile(), {
    validatorCa: parentCa(otherCa.certificate),
    validatorCaKey: otherCa.privateKey,
    random: seededRandom(1),
  });
  runBlock(rogue);
  const rogueRecord = rogue.finish()!;
  assert.throws(
    () => runBlock(validator(rogueRecord)),
    (e: unknown) => {
      assert.ok(e instanceof BlockIssuerError);
      assert.ok(['ISSUER_MISMATCH', 'BAD_ISSUER_SIGNATURE'].includes(e.code), e.code);
      return true;
    },
  );
  // Garbage and a re-encoded (non-DER) certificate.
  assert.throws(
    () => runBlock(validator({ ...record, issuerCertificate: Uint8Array.of(0x30, 0) })),
    invalid('ISSUER_MISMATCH'),
  );
  const longForm = Uint8Array.from([...record.issuerCertificate, 0]);
  assert.throws(
    () => runBlock(validator({ ...record, issuerCertificate: longForm })),
    invalid('ISSUER_MISMATCH'),
  );
});

test('missing, extra or unexpected records make the block invalid', () => {
  const { record } = propose();
  assert.throws(() => runBlock(validator(undefined)), invalid('MISSING_SIGNATURE'));
  assert.throws(
    () => runBlock(validator({ ...record, signatures: record.signatures.slice(0, 2) })),
    invalid('MISSING_SIGNATURE'),
  );
  const extra = validator({ ...record, signatures: [...record.signatures, record.signatures[0]!] });
  runBlock(extra);
  assert.throws(() => extra.finish(), invalid('EXTRA_SIGNATURES'));
  assert.throws(() => validator(record).finish(), invalid('UNEXPECTED_ISSUER'));
  assert.equal(validator(undefined).finish(), undefined);
});

test('a block issuer that would outlive its Validator CA is refused', () => {
  const late = profile({ blockTimeUs: BLOCK_TIME_US + 3_000n * 86_400n * 1_000_000n });
  assert.throws(() => proposer(late).builder(), invalid('ISSUER_OUTLIVES_PARENT'));
});

test('no CSR subject data reaches any certificate or the block record', () => {
  const { certs, record } = propose();
  const all = Buffer.concat([
    ...certs,
    record.issuerCertificate,
    ...record.signatures.map((s) => s.signature),
  ]);
  assert.equal(all.indexOf(Buffer.from(PERSONAL)), -1);
  assert.equal(all.indexOf(Buffer.from('Hong')), -1);
  for (const c of certs.slice(0, 3)) {
    assert.match(
      new X509Certificate(Buffer.from(c)).subject,
      /^O=KOFIA Joint Authentication\nOU=Firm A Securities\nCN=ps_customer_\d_pseudonym$/,
    );
  }
});
