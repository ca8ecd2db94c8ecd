/**
 * The certificate authority SCORE, bundled from contracts/ with the real governance SCORE, run through
 * applyBlock with the per-block issuer: the proposer signs (ProposerBlockIssuer), a validator re-executes the
 * same block against the record (ValidatingBlockIssuer) and gets identical receipts and roots; a tampered
 * record makes the validator's applyBlock throw BLOCK_INVALID. Then the refusals and the lifecycle.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBlock, commit, type ApplyResult } from '../../src/score/apply-block.js';
import { BlockInvalidError } from '../../src/score/errors.js';
import type { BlockContext } from '../../src/score/execution.js';
import { CommittedState } from '../../src/score/overlay.js';
import { call as icxCall } from '../../src/score/query.js';
import type { Receipt } from '../../src/score/receipt.js';
import type { Transaction } from '../../src/ledger/transaction.js';
import type { IconValue } from '../../src/codec/icon-serialize.js';
import {
  type ProposerBlockIssuer,
  ValidatingBlockIssuer,
  type IssuanceRecord,
} from '../../src/pki/block-issuer.js';
import { verifyChain } from '../../src/pki/chain.js';
import { certLogHasher } from '../../src/ledger/merkle.js';
import { account, callTx, contractGenesis, ctxAt, failureOf } from '../helpers/score-chain.js';
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
const PERSONAL = 'CN=Hong Gildong,O=Personal Data';
const [admin1, admin2, firmA, firmB, outsider] = [
  'admin1',
  'admin2',
  'ca-firm-a',
  'ca-firm-b',
  'outsider',
].map(account);

let state: CommittedState;
let seed = 1;
/** Every certificate log leaf so far, rebuilt here from the receipts by the documented encoding (docs/pki.md). */
const expectedLeaves: Uint8Array[] = [];

function expectedLeavesOf(receipts: readonly Receipt[], height: number): Uint8Array[] {
  return receipts
    .filter((r) => r.status === 1)
    .flatMap((r) =>
      r.eventLogs
        .filter((e) => e.scoreAddress === CA)
        .map((e) => {
          const name = e.indexed[0]!.slice(0, e.indexed[0]!.indexOf('('));
          const text = JSON.stringify([
            'loopchain-cert-log-v1',
            name,
            e.indexed[1],
            e.indexed[2],
            `0x${height.toString(16)}`,
            r.txHash,
            e.data,
          ]);
          return new Uint8Array(Buffer.from(text, 'utf8'));
        }),
    );
}

function ctxFor(height: number, over: Partial<BlockContext> = {}): BlockContext {
  return ctxAt(height, {
    timestamp: BLOCK_TIME_US + BigInt(height) * 1_000_000n,
    certificateAuthorityAddress: CA,
    ...over,
  });
}

const profileFor = profileOf;

function proposerFor(ctx: BlockContext, s = seed++): ProposerBlockIssuer {
  return testProposer(profileFor(ctx), s);
}

function validate(txs: Transaction[], record: IssuanceRecord | undefined): ApplyResult {
  const ctx = ctxFor(state.height + 1);
  const signer = new ValidatingBlockIssuer(profileFor(ctx), record, { validatorCa: validatorParent() });
  return applyBlock(state, { transactions: txs }, { ...ctx, blockSigner: signer });
}

/** Proposes a block (signing), re-executes it as a validator, checks they agree, and commits it. */
function block(txs: Transaction[]): { receipts: Receipt[]; result: ApplyResult } {
  const ctx = ctxFor(state.height + 1);
  const signer = proposerFor(ctx);
  const proposed = applyBlock(state, { transactions: txs }, { ...ctx, blockSigner: signer });
  const record = signer.finish();
  assert.deepEqual(record, proposed.issuance);
  const validated = validate(txs, record);
  assert.deepEqual(validated.receiptBytes, proposed.receiptBytes);
  assert.deepEqual(validated.roots, proposed.roots);
  assert.deepEqual(validated.certLog, proposed.certLog);
  expectedLeaves.push(...expectedLeavesOf(proposed.receipts, ctx.height));
  assert.equal(proposed.certLog.size, expectedLeaves.length);
  assert.deepEqual(proposed.certLog.root, certLogHasher.rootFromLeaves(expectedLeaves));
  commit(proposed.state);
  state.apply(proposed.state);
  return { receipts: [...proposed.receipts], result: proposed };
}

function query(method: string, params: Record<string, IconValue>): IconValue | null {
  return icxCall(state, { to: CA, method, params }, ctxFor(state.height));
}

const pid = (n: number): string => `pseudo_${n.toString().padStart(12, '0')}`;
const der = (pem: string): Uint8Array =>
  new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));

function issueTx(from = firmA!, o: { csr?: string; subjectId?: string; days?: string } = {}): Transaction {
  return callTx(from, CA, 'issue', {
    csr: o.csr ?? makeCsr(keyPair('P-256'), { subject: '' }),
    subjectId: o.subjectId ?? pid(seed),
    validityDays: o.days ?? '0x16d',
  });
}

function issued(r: Receipt): string {
  assert.equal(r.status, 1, JSON.stringify(r.failure));
  const serial = r.eventLogs[0]!.indexed[1]!;
  assert.match(serial, /^0x[0-9a-f]{32}$/);
  return serial;
}

before(async () => {
  state = await contractGenesis(
    admin1!,
    [
      { address: admin1!.address, name: 'KOFIA', roles: ['admin'] },
      { address: admin2!.address, name: 'Firm B admin', roles: ['admin'] },
      { address: firmA!.address, name: 'Firm A', roles: ['ra'] },
      { address: firmB!.address, name: 'Firm B', roles: ['ra'] },
    ],
    [{ name: 'certificate-authority', address: CA }],
    ctxFor(0),
  );
});

describe('certificate SCORE through applyBlock', () => {
  test('proposer issues, a validator re-executes identically; the chain verifies; no CSR subject data', () => {
    const subjectId = pid(424242);
    const { receipts, result } = block([issueTx(firmA!, { subjectId })]);
    const serial = issued(receipts[0]!);
    assert.ok(result.issuance);
    assert.equal(result.issuance.signatures.length, 1);
    const cert = query('getCertificate', { serial }) as Record<string, string>;
    assert.equal(cert.status, 'good');
    assert.equal(cert.firm, 'Firm A');
    assert.equal(cert.blockHeight, `0x${state.height.toString(16)}`);
    assert.equal(cert.txHash, receipts[0]!.txHash);
    const chain = verifyChain({
      root: hierarchy().root.certificate,
      intermediates: [hierarchy().validatorCa.certificate, der(cert.chain!)],
      leaf: der(cert.certificate!),
      at: new Date(Number(BLOCK_TIME_US / 1000n) + 60_000),
      purpose: 'end-entity',
    });
    assert.ok(chain.ok, JSON.stringify(chain));
    assert.ok(chain.subjects.at(-1)!.includes(subjectId));
    assert.ok(chain.subjects.at(-1)!.includes('Firm A'));
    // Nothing of the CSR's subject anywhere: certificate, receipts, state writes.
    const leafText = Buffer.from(der(cert.certificate!)).toString('latin1');
    const writes = JSON.stringify(commitPreview(result));
    for (const text of [leafText, JSON.stringify(receipts), writes, JSON.stringify(cert)]) {
      assert.ok(!text.includes('Hong Gildong'));
      assert.ok(!text.includes('Personal Data'));
    }
  });

  test('a tampered recorded signature or a swapped issuer certificate makes the block invalid', () => {
    const txs = [issueTx(firmA!)];
    const ctx = ctxFor(state.height + 1);
    const signer = proposerFor(ctx);
    const proposed = applyBlock(state, { transactions: txs }, { ...ctx, blockSigner: signer });
    assert.equal(proposed.receipts[0]!.status, 1, JSON.stringify(proposed.receipts[0]!.failure));
    const record = signer.finish()!;
    const sig = new Uint8Array(record.signatures[0]!.signature);
    sig[sig.length - 1]! ^= 0x01;
    const tampered = { ...record, signatures: [{ ...record.signatures[0]!, signature: sig }] };
    assert.throws(
      () => validate(txs, tampered),
      (e) =>
        e instanceof BlockInvalidError && e.code === 'BLOCK_INVALID' && e.detail.reason === 'BAD_SIGNATURE',
    );
    const hash = new Uint8Array(record.signatures[0]!.tbsSha256);
    hash[0]! ^= 0x80;
    assert.throws(
      () => validate(txs, { ...record, signatures: [{ ...record.signatures[0]!, tbsSha256: hash }] }),
      (e) => e instanceof BlockInvalidError && e.detail.reason === 'TBS_MISMATCH',
    );
    const other = proposerFor(ctx);
    other.builder();
    const swapped = { ...record, issuerCertificate: other.finish()!.issuerCertificate };
    assert.throws(() => validate(txs, swapped), BlockInvalidError);
    assert.throws(
      () => validate(txs, { ...record, signatures: [...record.signatures, record.signatures[0]!] }),
      (e) => e instanceof BlockInvalidError && e.detail.reason === 'EXTRA_SIGNATURES',
    );
    assert.throws(() => validate(txs, undefined), BlockInvalidError);
    // The untampered record still validates.
    assert.deepEqual(validate(txs, record).roots, proposed.roots);
  });

  test('refusals: NOT_RA, KEY_IN_USE, CSR_NOT_ANONYMOUS, BAD_VALIDITY, BAD_SUBJECT_ID, BAD_POP, no signer, not the CA', () => {
    const key = keyPair('P-256');
    const csr = makeCsr(key, { subject: '' });
    const { receipts } = block([
      issueTx(outsider!),
      issueTx(admin1!),
      issueTx(firmA!, { csr }),
      issueTx(firmB!, { csr: makeCsr(key, { subject: '' }) }),
      issueTx(firmA!, { csr: makeCsr(keyPair('P-256'), { subject: PERSONAL }) }),
      issueTx(firmA!, { days: '0x448' }),
      issueTx(firmA!, { subjectId: 'short' }),
      issueTx(firmA!, { subjectId: 'Hong Gildong 800101' }),
      issueTx(firmA!, { csr: makeCsr(key, { subject: '', signWith: keyPair('P-256').privateKey }) }),
      issueTx(firmA!, { csr: 'not a csr' }),
    ]);
    assert.deepEqual(receipts.map(failureOf), [
      'NOT_RA',
      'NOT_RA',
      undefined,
      'KEY_IN_USE',
      'CSR_NOT_ANONYMOUS',
      'BAD_VALIDITY',
      'BAD_SUBJECT_ID',
      'BAD_SUBJECT_ID',
      'BAD_POP',
      'MALFORMED_CSR',
    ]);
    // Without a block signer the issuance fails the transaction (not the block).
    const noSigner = applyBlock(state, { transactions: [issueTx(firmA!)] }, ctxFor(state.height + 1));
    assert.equal(failureOf(noSigner.receipts[0]!), 'PKI_UNAVAILABLE');
    // A chain whose certificate authority is elsewhere: the SCORE may not use pki.
    const elsewhere = applyBlock(
      state,
      { transactions: [issueTx(firmA!)] },
      ctxFor(state.height + 1, { certificateAuthorityAddress: `cx${'00'.repeat(19)}09` }),
    );
    assert.equal(failureOf(elsewhere.receipts[0]!), 'PKI_FORBIDDEN');
  });

  test('lifecycle: issue → suspend → resume → revoke, with getStatus at each step and every refusal', () => {
    const serial = issued(block([issueTx(firmA!)]).receipts[0]!);
    const status = () => query('getStatus', { serial }) as Record<string, string>;
    assert.deepEqual(status(), { status: 'good' });
    const step = (tx: Transaction): string | undefined => failureOf(block([tx]).receipts[0]!);

    assert.equal(step(callTx(firmA!, CA, 'resume', { serial })), 'NOT_SUSPENDED');
    assert.equal(step(callTx(firmB!, CA, 'suspend', { serial })), 'NOT_ISSUER');
    assert.equal(step(callTx(firmA!, CA, 'suspend', { serial })), undefined);
    assert.deepEqual(status(), { status: 'suspended' });
    assert.equal(step(callTx(firmA!, CA, 'suspend', { serial })), 'ALREADY_SUSPENDED');
    assert.equal(step(callTx(firmB!, CA, 'register', { serial, customerRef: pid(7) })), 'NOT_GOOD');
    assert.equal(step(callTx(firmA!, CA, 'resume', { serial })), undefined);
    assert.deepEqual(status(), { status: 'good' });

    assert.equal(step(callTx(firmB!, CA, 'register', { serial, customerRef: 'x' })), 'BAD_CUSTOMER_REF');
    assert.equal(step(callTx(firmA!, CA, 'register', { serial, customerRef: pid(7) })), 'SAME_FIRM');
    const registered = block([callTx(firmB!, CA, 'register', { serial, customerRef: pid(7) })]).receipts[0]!;
    assert.equal(registered.status, 1, JSON.stringify(registered.failure));
    assert.equal(registered.eventLogs[0]!.indexed[1], serial);
    assert.equal(step(callTx(firmB!, CA, 'register', { serial, customerRef: pid(8) })), 'ALREADY_REGISTERED');

    assert.equal(step(callTx(firmB!, CA, 'revoke', { serial, reason: '0x1' })), 'NOT_ISSUER');
    assert.equal(step(callTx(firmA!, CA, 'revoke', { serial, reason: '0x6' })), 'BAD_REASON');
    const revoked = block([callTx(admin2!, CA, 'revoke', { serial, reason: '0x1' })]).receipts[0]!;
    assert.equal(revoked.status, 1, JSON.stringify(revoked.failure));
    assert.equal(revoked.eventLogs[0]!.indexed[1], serial);
    assert.deepEqual(status(), {
      status: 'revoked',
      revokedAt: `0x${state.height.toString(16)}`,
      reason: '0x1',
    });
    assert.equal(step(callTx(firmA!, CA, 'revoke', { serial, reason: '0x0' })), 'ALREADY_REVOKED');
    assert.equal(step(callTx(firmA!, CA, 'suspend', { serial })), 'ALREADY_REVOKED');
    assert.equal(step(callTx(firmA!, CA, 'resume', { serial })), 'NOT_SUSPENDED');
    assert.equal((query('getCertificate', { serial }) as Record<string, string>).status, 'revoked');

    // A one-day certificate is expired (for getStatus and getCertificate) once the block time passes notAfter.
    const short = issued(block([issueTx(firmA!, { days: '0x1' })]).receipts[0]!);
    const later = (method: string, days: bigint) =>
      icxCall(
        state,
        { to: CA, method, params: { serial: short } },
        ctxFor(state.height, { timestamp: BLOCK_TIME_US + days * 86_400_000_000n }),
      ) as Record<string, string>;
    assert.equal(later('getStatus', 0n).status, 'good');
    assert.equal(later('getStatus', 2n).status, 'expired');
    assert.equal(later('getCertificate', 2n).status, 'expired');

    const unknown = `0x${'11'.repeat(16)}`;
    assert.deepEqual(query('getStatus', { serial: unknown }), { status: 'unknown' });
    assert.equal(step(callTx(firmA!, CA, 'suspend', { serial: unknown })), 'UNKNOWN_SERIAL');
    assert.equal(step(callTx(firmA!, CA, 'suspend', { serial: 'nope' })), 'BAD_SERIAL');
  });
});

describe('renewal and block issuers', () => {
  test('renew: issuing firm or admin, new anonymous key, linked records, old stays valid; getIssuer', () => {
    const key = keyPair('P-256');
    const first = block([issueTx(firmA!, { csr: makeCsr(key, { subject: '' }) })]);
    const serial = issued(first.receipts[0]!);
    const issuedAt = state.height;
    const renewTx = (from: typeof firmA, csr = makeCsr(keyPair('P-256'), { subject: '' }), s = serial) =>
      callTx(from!, CA, 'renew', { serial: s, csr });
    const { receipts } = block([
      renewTx(firmB), // another firm
      renewTx(outsider), // not a member
      renewTx(firmA, makeCsr(key, { subject: '' })), // the same key
      renewTx(firmA, makeCsr(keyPair('P-256'), { subject: PERSONAL })),
      renewTx(firmA, makeCsr(keyPair('P-256'), { subject: '', signWith: keyPair('P-256').privateKey })),
      renewTx(firmA, undefined, `0x${'22'.repeat(16)}`),
      renewTx(admin2), // an admin may renew
      renewTx(firmA), // renewed already
    ]);
    assert.deepEqual(receipts.map(failureOf), [
      'NOT_ISSUER',
      'NOT_ISSUER',
      'KEY_IN_USE',
      'CSR_NOT_ANONYMOUS',
      'BAD_POP',
      'UNKNOWN_SERIAL',
      undefined,
      'ALREADY_RENEWED',
    ]);
    const renewed = receipts[6]!;
    const event = renewed.eventLogs[0]!;
    assert.match(event.indexed[0]!, /^CertificateRenewed\(/);
    const next = event.indexed[1]!;
    assert.notEqual(next, serial);
    assert.equal(event.indexed[2], 'Firm A');
    assert.equal(event.data[0], serial);
    const oldCert = query('getCertificate', { serial }) as Record<string, string>;
    const newCert = query('getCertificate', { serial: next }) as Record<string, string>;
    assert.equal(oldCert.status, 'good'); // the old one stays valid until it expires or is revoked
    assert.equal(oldCert.renewedBy, next);
    assert.equal(newCert.renewedFrom, serial);
    assert.equal(newCert.firm, 'Firm A');
    assert.equal(newCert.status, 'good');
    const chain = verifyChain({
      root: hierarchy().root.certificate,
      intermediates: [hierarchy().validatorCa.certificate, der(newCert.chain!)],
      leaf: der(newCert.certificate!),
      at: new Date(Number(BLOCK_TIME_US / 1000n) + 60_000),
      purpose: 'end-entity',
    });
    assert.ok(chain.ok, JSON.stringify(chain));
    // getIssuer: the issuer certificate of a block that issued, UNKNOWN_ISSUER otherwise.
    assert.equal(query('getIssuer', { height: `0x${issuedAt.toString(16)}` }), oldCert.chain);
    assert.equal(query('getIssuer', { height: `0x${state.height.toString(16)}` }), newCert.chain);
    assert.notEqual(oldCert.chain, newCert.chain);
    assert.throws(
      () => query('getIssuer', { height: '0x0' }),
      (e) => (e as { detail?: { scoreCode?: string } }).detail?.scoreCode === 'UNKNOWN_ISSUER',
    );
    // A revoked certificate is not renewed.
    block([callTx(firmA!, CA, 'revoke', { serial: next, reason: '0x4' })]);
    assert.equal(failureOf(block([renewTx(firmA, undefined, next)]).receipts[0]!), 'ALREADY_REVOKED');
  });
});

describe('certificate log through applyBlock', () => {
  test('leaves of successful transactions only, in order; roots equal a plain tree; two runs identical', () => {
    const before = expectedLeaves.length;
    const key = keyPair('P-256');
    const txs = [
      issueTx(firmA!, { csr: makeCsr(key, { subject: '' }) }),
      issueTx(outsider!), // NOT_RA: no leaf
      issueTx(firmB!, { csr: makeCsr(key, { subject: '' }) }), // KEY_IN_USE: no leaf
      issueTx(firmB!),
    ];
    const ctx = ctxFor(state.height + 1);
    // Two runs of the same block (the validator path re-executing a proposer's record) are identical.
    const signer = proposerFor(ctx);
    const proposed = applyBlock(state, { transactions: txs }, { ...ctx, blockSigner: signer });
    const record = signer.finish();
    const [again, twice] = [validate(txs, record), validate(txs, record)];
    assert.deepEqual(again.state.writeSet(), twice.state.writeSet());
    assert.deepEqual(again.state.writeSet(), proposed.state.writeSet());
    assert.deepEqual(again.certLog, twice.certLog);
    const { receipts, result } = block(txs);
    assert.deepEqual(
      receipts.map((r) => r.status),
      [1, 0, 0, 1],
    );
    assert.equal(result.certLog.size, before + 2);
    assert.deepEqual(again.certLog, result.certLog);
    // The issued events are the two new leaves, in transaction order.
    const serials = [receipts[0]!, receipts[3]!].map(issued);
    const tail = expectedLeaves
      .slice(before)
      .map((l) => JSON.parse(Buffer.from(l).toString('utf8')) as string[]);
    assert.deepEqual(
      tail.map((l) => [l[1], l[2], l[3]]),
      [
        ['CertificateIssued', serials[0], 'Firm A'],
        ['CertificateIssued', serials[1], 'Firm B'],
      ],
    );
    // A block with nothing certificate-related keeps the log as it is.
    const empty = block([issueTx(outsider!)]);
    assert.deepEqual(empty.result.certLog, result.certLog);
  });

  test('readonly checkpoints and proofs verify against checkpoints at different heights', () => {
    const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.slice(2), 'hex'));
    const checkpoint = () => {
      const c = query('getLogCheckpoint', {}) as Record<string, string>;
      return { size: Number(BigInt(c.size!)), root: unhex(c.root!) };
    };
    const first = issued(block([issueTx(firmA!)]).receipts[0]!);
    const cp1 = checkpoint();
    assert.equal(cp1.size, expectedLeaves.length);
    assert.deepEqual(cp1.root, certLogHasher.rootFromLeaves(expectedLeaves));
    block([callTx(firmA!, CA, 'suspend', { serial: first }), issueTx(firmB!), issueTx(firmA!)]);
    block([callTx(firmA!, CA, 'resume', { serial: first })]);
    const cp2 = checkpoint();
    assert.equal(cp2.size, cp1.size + 4);
    for (const [size, root] of [
      [cp1.size, cp1.root],
      [cp2.size, cp2.root],
    ] as const) {
      for (const leafIndex of [0, 1, size - 2, size - 1]) {
        const p = query('getInclusionProof', {
          leafIndex: `0x${leafIndex.toString(16)}`,
          treeSize: `0x${size.toString(16)}`,
        }) as { leafIndex: string; treeSize: string; leafHash: string; proof: string[] };
        const leafHash = unhex(p.leafHash);
        assert.deepEqual(leafHash, certLogHasher.hashLeaf(expectedLeaves[leafIndex]!));
        certLogHasher.verifyInclusion({
          leafIndex: Number(BigInt(p.leafIndex)),
          treeSize: Number(BigInt(p.treeSize)),
          leafHash,
          proof: p.proof.map(unhex),
          root,
        });
      }
    }
    for (const size1 of [1, cp1.size - 1, cp1.size]) {
      const { proof } = query('getConsistencyProof', {
        size1: `0x${size1.toString(16)}`,
        size2: `0x${cp2.size.toString(16)}`,
      }) as { proof: string[] };
      certLogHasher.verifyConsistency({
        size1,
        size2: cp2.size,
        root1: certLogHasher.rootFromLeaves(expectedLeaves.slice(0, size1)),
        root2: cp2.root,
        proof: proof.map(unhex),
      });
    }
    const { proof } = query('getConsistencyProof', {
      size1: `0x${cp1.size.toString(16)}`,
      size2: `0x${cp2.size.toString(16)}`,
    }) as { proof: string[] };
    certLogHasher.verifyConsistency({
      ...{ size1: cp1.size, root1: cp1.root },
      size2: cp2.size,
      root2: cp2.root,
      proof: proof.map(unhex),
    });
    // Typed reverts.
    const code = (method: string, params: Record<string, IconValue>): string | undefined => {
      try {
        query(method, params);
        return undefined;
      } catch (e) {
        return (e as { detail?: { scoreCode?: string } }).detail?.scoreCode;
      }
    };
    const beyond = `0x${(cp2.size + 1).toString(16)}`;
    const size = `0x${cp2.size.toString(16)}`;
    assert.equal(code('getInclusionProof', { leafIndex: '0x0', treeSize: beyond }), 'BAD_LOG_SIZE');
    assert.equal(code('getInclusionProof', { leafIndex: size, treeSize: size }), 'BAD_LEAF_INDEX');
    assert.equal(code('getInclusionProof', { leafIndex: '-0x1', treeSize: size }), 'BAD_LEAF_INDEX');
    assert.equal(code('getInclusionProof', { leafIndex: '0x0', treeSize: '0x100000000' }), 'BAD_LOG_SIZE');
    assert.equal(code('getConsistencyProof', { size1: '0x0', size2: size }), 'BAD_LOG_SIZE');
    assert.equal(code('getConsistencyProof', { size1: size, size2: '0x1' }), 'BAD_LOG_SIZE');
    assert.equal(code('getConsistencyProof', { size1: '0x1', size2: beyond }), 'BAD_LOG_SIZE');
  });

  test('an empty log has the empty root', () => {
    const fresh = applyBlock(CommittedState.empty(), { transactions: [] }, ctxFor(0));
    assert.deepEqual(fresh.certLog, { size: 0, root: certLogHasher.emptyRoot() });
  });
});

/** The block's state writes (the overlay is sealed; commit() was already called, so read them again). */
function commitPreview(result: ApplyResult): unknown {
  return result.state.writeSet();
}
