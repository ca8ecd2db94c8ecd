/**
 * A validator's recorded issuance signatures checked on the worker thread (ADR 0004): a good block gives the
 * same result as the inline checks, and every bad record gives exactly the inline error — reason, txIndex
 * and message — even when a later transaction would fail differently, and even with the worker gone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBlock } from '../../src/score/apply-block.js';
import type { BlockContext } from '../../src/score/execution.js';
import {
  ProposerBlockIssuer,
  ValidatingBlockIssuer,
  type BlockSigner,
  type IssuanceRecord,
} from '../../src/pki/block-issuer.js';
import { PopCheckWorker } from '../../src/pki/pop-precheck.js';
import { admin, callTx, ctxAt, rawScore, TestChain } from '../helpers/score-chain.js';
import {
  BLOCK_TIME_US,
  hierarchy,
  keyPair,
  seededRandom,
  validatorParent,
  profileOf,
  testProposer,
} from '../helpers/pki-fixture.js';

const PROBE = `cx${'00'.repeat(19)}08`;
const API = JSON.stringify({
  methods: { run: { readonly: false, params: [{ name: 'args', type: 'str' }], returns: 'str' } },
  events: {},
});
const MEMBERS = `run(args) { return __loopchain.pki('issue', args); }`;
const COUNT = 40;

let chain: TestChain;
const worker = new PopCheckWorker();
after(() => worker.close());

before(async () => {
  chain = await TestChain.start([{ address: PROBE, code: rawScore(MEMBERS, API), deployer: admin.address }], {
    certificateAuthorityAddress: PROBE,
  });
});

function block() {
  const spki = keyPair('P-256').publicKey.export({ format: 'der', type: 'spki' }).toString('hex');
  const txs = Array.from({ length: COUNT }, (_, i) =>
    callTx(admin, PROBE, 'run', {
      args: JSON.stringify({
        subjectId: `pseudonym-${i.toString().padStart(6, '0')}`,
        firm: 'Firm A',
        spki,
        validityDays: 30,
        index: 0,
      }),
    }),
  );
  const ctx = ctxAt(chain.height + 1, {
    timestamp: BLOCK_TIME_US + BigInt(chain.height + 1) * 1_000_000n,
    certificateAuthorityAddress: PROBE,
  });
  const p = profileOf(ctx);
  const proposer = testProposer(p, 11);
  const proposed = applyBlock(chain.view(), { transactions: txs }, { ...ctx, blockSigner: proposer });
  assert.ok(proposed.receipts.every((r) => r.status === 1));
  return { txs, ctx, p, record: proposed.issuance!, proposed };
}

type Block = ReturnType<typeof block>;

/** The outcome of validating `record`: the result's roots, or the error's class, code, detail and message. */
function validate(
  b: Block,
  record: IssuanceRecord,
  offload: boolean,
  wrap?: (s: BlockSigner) => BlockSigner,
) {
  const signer = new ValidatingBlockIssuer(b.p, record, {
    validatorCa: validatorParent(),
    ...(offload ? { signatureChecks: worker } : {}),
  });
  const ctx: BlockContext = { ...b.ctx, blockSigner: wrap === undefined ? signer : wrap(signer) };
  try {
    const r = applyBlock(chain.view(), { transactions: b.txs }, ctx);
    return { stateRoot: Buffer.from(r.roots.stateRoot).toString('hex'), receipts: r.receiptBytes.length };
  } catch (e) {
    const err = e as Error & { code?: string; detail?: unknown };
    return { error: err.constructor.name, code: err.code, detail: err.detail, message: err.message };
  }
}

const withSignature = (record: IssuanceRecord, i: number): IssuanceRecord => {
  const signatures = record.signatures.map((s) => ({ ...s }));
  const signature = new Uint8Array(signatures[i]!.signature);
  signature[12]! ^= 0x5a;
  signatures[i] = { ...signatures[i]!, signature };
  return { ...record, signatures };
};

const withTbsHash = (record: IssuanceRecord, i: number): IssuanceRecord => {
  const signatures = record.signatures.map((s) => ({ ...s }));
  const tbsSha256 = new Uint8Array(signatures[i]!.tbsSha256);
  tbsSha256[0]! ^= 0x01;
  signatures[i] = { ...signatures[i]!, tbsSha256 };
  return { ...record, signatures };
};

describe('recorded signatures checked on the worker', () => {
  test('a good record validates with the same result as inline', () => {
    const b = block();
    const inline = validate(b, b.record, false);
    assert.deepEqual(inline, {
      stateRoot: Buffer.from(b.proposed.roots.stateRoot).toString('hex'),
      receipts: COUNT,
    });
    for (let i = 0; i < 3; i++) assert.deepEqual(validate(b, b.record, true), inline);
  });

  test('every bad record gets the inline error: reason, txIndex and message', () => {
    const b = block();
    const cases: [string, IssuanceRecord][] = [
      ['first signature', withSignature(b.record, 0)],
      ['a middle signature', withSignature(b.record, 17)],
      ['the last signature', withSignature(b.record, COUNT - 1)],
      // A bad signature before a later TBS mismatch: the inline execution stops at the signature.
      ['signature, then TBS', withTbsHash(withSignature(b.record, 5), 30)],
      ['TBS, then signature', withSignature(withTbsHash(b.record, 5), 30)],
      ['a missing signature', { ...b.record, signatures: b.record.signatures.slice(0, COUNT - 3) }],
      ['an extra signature', { ...b.record, signatures: [...b.record.signatures, b.record.signatures[0]!] }],
    ];
    for (const [what, record] of cases) {
      const inline = validate(b, record, false);
      assert.equal(inline.error, 'BlockInvalidError', what);
      assert.deepEqual(validate(b, record, true), inline, what);
    }
    const bad = validate(b, withSignature(b.record, 17), true) as {
      detail: { reason: string; txIndex: number };
    };
    assert.equal(bad.detail.reason, 'BAD_SIGNATURE');
    assert.equal(bad.detail.txIndex, 17);
  });

  test('a signer used without settle still has every signature checked at finish', () => {
    const b = block();
    // Like a custom wrapper: no restart and no settle, so applyBlock runs once and only finish() can check.
    const bare = (s: BlockSigner): BlockSigner => ({
      mode: s.mode,
      builder: () => s.builder(),
      sign: (tbs) => s.sign(tbs),
      issuerCertificate: () => s.issuerCertificate(),
      finish: () => s.finish(),
    });
    const r = validate(b, withSignature(b.record, 3), true, bare) as {
      error: string;
      detail: { reason: string };
    };
    assert.equal(r.error, 'BlockInvalidError');
    assert.equal(r.detail.reason, 'BAD_SIGNATURE');
    assert.deepEqual(validate(b, b.record, true, bare), validate(b, b.record, false));
  });

  test('a proposer whose self-checks run on the worker makes a record that validates inline', () => {
    const b = block();
    const proposer = new ProposerBlockIssuer(b.p, {
      validatorCa: validatorParent(),
      validatorCaKey: hierarchy().validatorCa.privateKey,
      random: seededRandom(12),
      signatureChecks: worker,
    });
    const proposed = applyBlock(chain.view(), { transactions: b.txs }, { ...b.ctx, blockSigner: proposer });
    assert.ok(proposed.receipts.every((r) => r.status === 1));
    assert.equal(proposed.issuance!.signatures.length, COUNT);
    assert.deepEqual(validate(b, proposed.issuance!, false), {
      stateRoot: Buffer.from(proposed.roots.stateRoot).toString('hex'),
      receipts: COUNT,
    });
  });

  test('with the worker gone the execution thread checks everything itself', async () => {
    const gone = new PopCheckWorker();
    await gone.close();
    const b = block();
    const run = (record: IssuanceRecord) => {
      const signer = new ValidatingBlockIssuer(b.p, record, {
        validatorCa: validatorParent(),
        signatureChecks: gone,
      });
      try {
        applyBlock(chain.view(), { transactions: b.txs }, { ...b.ctx, blockSigner: signer });
        return 'valid';
      } catch (e) {
        return (e as { detail?: { reason?: string; txIndex?: number } }).detail;
      }
    };
    assert.equal(run(b.record), 'valid');
    assert.deepEqual(run(withSignature(b.record, 9)), validate(b, withSignature(b.record, 9), false).detail);
  });
});
