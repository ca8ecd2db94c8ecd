import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { ProposerBlockIssuer, p256KeyFrom, parentCa } from '../../src/pki/block-issuer.js';
import { verifyChain, type ChainErrorCode, type ChainInput } from '../../src/pki/chain.js';
import { parseCsr } from '../../src/pki/csr.js';
import { assembleCertificate, blockIssuerTbs, BlockTbsBuilder, keyIdentifier } from '../../src/pki/tbs.js';
import { blockIssuerName } from '../../src/pki/profiles.js';
import {
  BLOCK_TIME_US,
  CONSORTIUM,
  hierarchy,
  keyPair,
  makeCsr,
  profile,
  seededRandom,
  validatorParent,
} from '../helpers/pki-fixture.js';

const { root, validatorCa } = hierarchy();
const blockTime = new Date(Number(BLOCK_TIME_US / 1000n));
const spki = parseCsr(makeCsr(keyPair('P-256'))).spki;

function issue(): { issuer: Uint8Array; leaf: Uint8Array; responder: Uint8Array } {
  const s = new ProposerBlockIssuer(profile(), {
    validatorCa: validatorParent(),
    validatorCaKey: validatorCa.privateKey,
    random: seededRandom(3),
  });
  const b = s.builder();
  const leaf = s.sign(
    b.endEntity({
      txHash: new Uint8Array(32),
      index: 0,
      firm: 'Firm B',
      subjectId: 'ps_abcdefgh',
      spki,
      validityDays: 30,
    }).tbs,
  );
  const responder = s.sign(b.responder({ responder: 'ocsp', spki }).tbs);
  return { issuer: s.finish()!.issuerCertificate, leaf, responder };
}
const { issuer, leaf, responder } = issue();
const base: ChainInput = {
  root: root.certificate,
  intermediates: [validatorCa.certificate, issuer],
  leaf,
  at: new Date(blockTime.getTime() + 1000),
  purpose: 'end-entity',
};
const fails = (input: Partial<ChainInput>, code: ChainErrorCode, depth?: number): void => {
  const r = verifyChain({ ...base, ...input });
  assert.equal(r.ok, false, 'expected a failure');
  if (!r.ok) {
    assert.equal(r.code, code, r.message);
    if (depth !== undefined) assert.equal(r.depth, depth);
  }
};

test('a good chain passes, with the subjects from root to leaf', () => {
  const r = verifyChain(base);
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.subjects.length, 4);
  assert.ok(verifyChain({ ...base, leaf: responder, purpose: 'ocsp-responder' }).ok);
});

test('validity is checked at the given time on every certificate', () => {
  fails({ at: new Date(blockTime.getTime() - 1000) }, 'NOT_YET_VALID', 2);
  fails({ at: new Date(blockTime.getTime() + 31 * 86_400_000) }, 'EXPIRED', 3);
});

test('signatures, names and order', () => {
  const bad = Uint8Array.from(leaf);
  bad[bad.length - 2]! ^= 0x01;
  fails({ leaf: bad }, 'BAD_SIGNATURE', 3);
  fails({ intermediates: [issuer, validatorCa.certificate] }, 'ISSUER_NAME_MISMATCH', 1);
  fails({ root: validatorCa.certificate }, 'ROOT_NOT_SELF_SIGNED', 0);
  fails({ leaf: Uint8Array.of(0x30, 0x00) }, 'MALFORMED', 3);
});

test('CA flags, pathLen and key usage', () => {
  // An end-entity certificate (here issued directly by the Validator CA) used as an issuer: not a CA.
  const eeKey = keyPair('P-256');
  const eeSpki = parseCsr(makeCsr(eeKey)).spki;
  const vcaParts = validatorParent();
  const eeTbs = new BlockTbsBuilder(profile(), {
    name: vcaParts.parts.subject,
    keyId: vcaParts.keyId,
  }).endEntity({
    txHash: new Uint8Array(32),
    index: 1,
    firm: 'Firm B',
    subjectId: 'ps_issuer_ee',
    spki: eeSpki,
    validityDays: 30,
  }).tbs;
  const ee = assembleCertificate(
    eeTbs,
    'ecdsa-with-SHA256',
    new Uint8Array(sign('sha256', eeTbs, { key: validatorCa.privateKey, dsaEncoding: 'der' })),
  );
  const underEeTbs = new BlockTbsBuilder(profile(), {
    name: parentCa(ee).parts.subject,
    keyId: keyIdentifier(eeSpki),
  }).endEntity({
    txHash: new Uint8Array(32),
    index: 2,
    firm: 'Firm B',
    subjectId: 'ps_under_ee',
    spki,
    validityDays: 30,
  }).tbs;
  const underEe = assembleCertificate(
    underEeTbs,
    'ecdsa-with-SHA256',
    new Uint8Array(sign('sha256', underEeTbs, { key: eeKey.privateKey, dsaEncoding: 'der' })),
  );
  fails({ intermediates: [validatorCa.certificate, ee], leaf: underEe }, 'NOT_A_CA', 2);
  // A CA under the Block Issuer CA (pathLen 0) is one CA too many.
  const p = profile();
  const sub = p256KeyFrom(seededRandom(9));
  // Certify a second "block issuer" with a key we hold, then put a CA under it.
  const vca = validatorParent();
  const midTbs = blockIssuerTbs(p, { name: vca.parts.subject, ...vca }, sub.spki);
  const mid = assembleCertificate(
    midTbs,
    vca.signatureAlgorithm,
    new Uint8Array(sign('sha256', midTbs, { key: validatorCa.privateKey, dsaEncoding: 'der' })),
  );
  const below = p256KeyFrom(seededRandom(10));
  const lowTbs = blockIssuerTbs(
    p,
    {
      name: blockIssuerName(CONSORTIUM, 'kofia', 42n),
      keyId: keyIdentifier(sub.spki),
      signatureAlgorithm: 'ecdsa-with-SHA256',
    },
    below.spki,
  );
  const low = assembleCertificate(
    lowTbs,
    'ecdsa-with-SHA256',
    new Uint8Array(sign('sha256', lowTbs, { key: sub.privateKey, dsaEncoding: 'der' })),
  );
  const leafTbs = new BlockTbsBuilder(p, {
    name: blockIssuerName(CONSORTIUM, 'kofia', 42n),
    keyId: keyIdentifier(below.spki),
  }).endEntity({
    txHash: new Uint8Array(32),
    index: 0,
    firm: 'Firm B',
    subjectId: 'ps_abcdefgh',
    spki,
    validityDays: 30,
  }).tbs;
  const deepLeaf = assembleCertificate(
    leafTbs,
    'ecdsa-with-SHA256',
    new Uint8Array(sign('sha256', leafTbs, { key: below.privateKey, dsaEncoding: 'der' })),
  );
  // Root pathLen 2 is exceeded first (three CAs follow it).
  fails({ intermediates: [validatorCa.certificate, mid, low], leaf: deepLeaf }, 'PATH_LEN_EXCEEDED', 0);
  // Purposes: an end-entity certificate is no responder, and a responder certificate no end entity.
  fails({ leaf, purpose: 'ocsp-responder' }, 'KEY_USAGE', 3);
  fails({ leaf: responder, purpose: 'end-entity' }, 'KEY_USAGE', 3);
  // A CA certificate as the leaf.
  fails({ intermediates: [validatorCa.certificate], leaf: issuer }, 'LEAF_IS_CA', 2);
});
