/**
 * Delegated OCSP responder certificates (DESIGN §6, docs/pki.md): the first issuance of a block also certifies
 * every active registered responder key with that block's issuer; a validator re-executes and checks them like
 * any other recorded signature; `getResponderCertificate(height, responder)` serves them.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { applyBlock, commit, type ApplyResult } from '../../src/score/apply-block.js';
import { BlockInvalidError } from '../../src/score/errors.js';
import type { BlockContext } from '../../src/score/execution.js';
import type { CommittedState } from '../../src/score/overlay.js';
import { call as icxCall } from '../../src/score/query.js';
import type { Transaction } from '../../src/ledger/transaction.js';
import type { IconValue } from '../../src/codec/icon-serialize.js';
import { ValidatingBlockIssuer, type IssuanceRecord } from '../../src/pki/block-issuer.js';
import { verifyChain } from '../../src/pki/chain.js';
import { account, callTx, contractGenesis, ctxAt, failureOf, GOVERNANCE } from '../helpers/score-chain.js';
import { p256Spki } from '../helpers/genesis-fixture.js';
import {
  BLOCK_TIME_US,
  hierarchy,
  keyPair,
  makeCsr,
  validatorParent,
  profileOf,
  testProposer,
} from '../helpers/pki-fixture.js';

const CA = `cx${'00'.repeat(19)}03`;
const [admin1, admin2, firmA, ocsp1, ocsp2, outsider] = [
  'r-admin1',
  'r-admin2',
  'r-firm-a',
  'r-ocsp-1',
  'r-ocsp-2',
  'r-outsider',
].map(account);
const KEYS = [
  { responder: () => ocsp1!.address, name: 'ocsp-1a', publicKey: `0x${p256Spki(7)}` },
  { responder: () => ocsp1!.address, name: 'ocsp-1b', publicKey: `0x${p256Spki(8)}` },
  { responder: () => ocsp2!.address, name: 'ocsp-2', publicKey: `0x${p256Spki(9)}` },
];

let state: CommittedState;
let seed = 1000;

const ctxFor = (height: number): BlockContext =>
  ctxAt(height, {
    timestamp: BLOCK_TIME_US + BigInt(height) * 1_000_000n,
    certificateAuthorityAddress: CA,
  });
const profileFor = profileOf;

function propose(txs: Transaction[]): { result: ApplyResult; record: IssuanceRecord | undefined } {
  const ctx = ctxFor(state.height + 1);
  const signer = testProposer(profileFor(ctx), seed++);
  const result = applyBlock(state, { transactions: txs }, { ...ctx, blockSigner: signer });
  return { result, record: signer.finish() };
}

function validate(txs: Transaction[], record: IssuanceRecord | undefined): ApplyResult {
  const ctx = ctxFor(state.height + 1);
  const signer = new ValidatingBlockIssuer(profileFor(ctx), record, { validatorCa: validatorParent() });
  return applyBlock(state, { transactions: txs }, { ...ctx, blockSigner: signer });
}

function block(txs: Transaction[]): ApplyResult {
  const { result, record } = propose(txs);
  const validated = validate(txs, record);
  assert.deepEqual(validated.receiptBytes, result.receiptBytes);
  assert.deepEqual(validated.roots, result.roots);
  commit(result.state);
  state.apply(result.state);
  return result;
}

const query = (method: string, params: Record<string, IconValue>): IconValue | null =>
  icxCall(state, { to: CA, method, params }, ctxFor(state.height));
const issueTx = (n: number): Transaction =>
  callTx(firmA!, CA, 'issue', {
    csr: makeCsr(keyPair('P-256'), { subject: '' }),
    subjectId: `responder_test_${n.toString().padStart(6, '0')}`,
    validityDays: '0x16d',
  });
const pems = (bundle: string): Uint8Array[] =>
  [...bundle.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map(
    (m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s/g, ''), 'base64')),
  );
const der = (pem: string): Uint8Array => pems(pem)[0]!;
const hexH = (h: number): string => `0x${h.toString(16)}`;
const unknownResponder = (e: unknown): boolean =>
  (e as { detail?: { scoreCode?: string } }).detail?.scoreCode === 'UNKNOWN_RESPONDER_CERTIFICATE';

before(async () => {
  state = await contractGenesis(
    admin1!,
    [
      { address: admin1!.address, name: 'KOFIA', roles: ['admin'] },
      { address: admin2!.address, name: 'Admin 2', roles: ['admin'] },
      { address: firmA!.address, name: 'Firm A', roles: ['ra'] },
      { address: ocsp1!.address, name: 'OCSP 1', roles: ['ocsp'] },
      { address: ocsp2!.address, name: 'OCSP 2', roles: ['ocsp'] },
    ],
    [{ name: 'certificate-authority', address: CA }],
    ctxFor(0),
    { responderKeys: KEYS.map((k) => ({ responder: k.responder(), name: k.name, publicKey: k.publicKey })) },
  );
});

describe('delegated OCSP responder certificates', () => {
  test('the first issuance of a block certifies every registered responder key with the block issuer', () => {
    const result = block([issueTx(1), issueTx(2)]);
    assert.equal(result.receipts[0]!.status, 1, JSON.stringify(result.receipts[0]!.failure));
    assert.equal(result.receipts[1]!.status, 1, JSON.stringify(result.receipts[1]!.failure));
    // 2 end-entity certificates + 3 responder certificates (made once, at the block's first issuance).
    assert.equal(result.issuance!.signatures.length, 5);
    const height = state.height;
    const issuer = der(query('getIssuer', { height: hexH(height) }) as string);
    const one = pems(
      query('getResponderCertificate', { height: hexH(height), responder: ocsp1!.address }) as string,
    );
    const two = pems(
      query('getResponderCertificate', { height: hexH(height), responder: ocsp2!.address }) as string,
    );
    assert.equal(one.length, 2);
    assert.equal(two.length, 1);
    for (const [i, cert] of [...one, ...two].entries()) {
      const chain = verifyChain({
        root: hierarchy().root.certificate,
        intermediates: [hierarchy().validatorCa.certificate, issuer],
        leaf: cert,
        at: new Date(Number(BLOCK_TIME_US / 1000n) + 60_000),
        purpose: 'ocsp-responder',
      });
      assert.ok(chain.ok, JSON.stringify(chain));
      const parsed = new x509.X509Certificate(cert);
      assert.ok(parsed.subject.includes(`CN=${KEYS[i]!.name}`), parsed.subject);
      assert.equal(
        Buffer.from(parsed.publicKey.rawData).toString('hex'),
        KEYS[i]!.publicKey.slice(2).toLowerCase(),
      );
      const eku = parsed.getExtension(x509.ExtendedKeyUsageExtension);
      assert.ok(eku?.usages.includes('1.3.6.1.5.5.7.3.9'), 'EKU OCSPSigning');
      assert.ok(parsed.getExtension('1.3.6.1.5.5.7.48.1.5'), 'id-pkix-ocsp-nocheck');
    }
    // Not a responder / not that height.
    assert.throws(
      () => query('getResponderCertificate', { height: hexH(height), responder: outsider!.address }),
      unknownResponder,
    );
  });

  test('a block that issues nothing has no responder certificates', () => {
    const result = block([callTx(firmA!, CA, 'getStatus', { serial: `0x${'11'.repeat(16)}` })]);
    assert.equal(result.issuance, undefined);
    assert.throws(
      () => query('getResponderCertificate', { height: hexH(state.height), responder: ocsp1!.address }),
      unknownResponder,
    );
  });

  test('a tampered or missing responder signature makes the block invalid on a validator', () => {
    const txs = [issueTx(3)];
    const { result, record } = propose(txs);
    assert.equal(result.receipts[0]!.status, 1, JSON.stringify(result.receipts[0]!.failure));
    assert.equal(record!.signatures.length, 4);
    const at = (
      i: number,
      f: (e: IssuanceRecord['signatures'][number]) => IssuanceRecord['signatures'][number],
    ) => ({
      ...record!,
      signatures: record!.signatures.map((e, j) => (j === i ? f(e) : e)),
    });
    const flip = (b: Uint8Array): Uint8Array => {
      const c = new Uint8Array(b);
      c[c.length - 1]! ^= 0x01;
      return c;
    };
    assert.throws(
      () =>
        validate(
          txs,
          at(2, (e) => ({ ...e, signature: flip(e.signature) })),
        ),
      (e) => e instanceof BlockInvalidError && e.detail.reason === 'BAD_SIGNATURE',
    );
    assert.throws(
      () =>
        validate(
          txs,
          at(3, (e) => ({ ...e, tbsSha256: flip(e.tbsSha256) })),
        ),
      (e) => e instanceof BlockInvalidError && e.detail.reason === 'TBS_MISMATCH',
    );
    assert.throws(
      () => validate(txs, { ...record!, signatures: record!.signatures.slice(0, 3) }),
      (e) => e instanceof BlockInvalidError && e.detail.reason === 'MISSING_SIGNATURE',
    );
    assert.deepEqual(validate(txs, record).roots, result.roots);
  });

  test('per-block governance answers: a role revoked earlier in the same block is seen by a later issue', () => {
    const result = block([
      issueTx(10),
      callTx(admin1!, GOVERNANCE, 'propose', {
        kind: 'revokeRole',
        payload: { address: firmA!.address, role: 'ra' },
      }),
      issueTx(11), // the proposal is not yet approved: still an RA
      callTx(admin2!, GOVERNANCE, 'approve', { id: '0x1' }),
      issueTx(12),
    ]);
    assert.deepEqual(result.receipts.map(failureOf), [undefined, undefined, undefined, undefined, 'NOT_RA']);
    // The same answers on the validator (block() re-executes and compares), and on a fresh block.
    assert.equal(failureOf(block([issueTx(13)]).receipts[0]!), 'NOT_RA');
  });
});
