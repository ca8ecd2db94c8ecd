/**
 * The host's `pki` and `governance` bridge operations, through a hand-written SCORE installed as the chain's
 * certificate authority: argument checks, the readonly rules, and a block fault that stays a block fault even
 * when the SCORE catches the refusal.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { applyBlock } from '../../src/score/apply-block.js';
import { BlockInvalidError, ScoreError } from '../../src/score/errors.js';
import type { BlockContext } from '../../src/score/execution.js';
import { ProposerBlockIssuer, ValidatingBlockIssuer } from '../../src/pki/block-issuer.js';
import { admin, callTx, ctxAt, rawScore, TestChain } from '../helpers/score-chain.js';
import {
  BLOCK_TIME_US,
  hierarchy,
  keyPair,
  profile,
  seededRandom,
  validatorParent,
  profileOf,
  testProposer,
} from '../helpers/pki-fixture.js';

const PROBE = `cx${'00'.repeat(19)}07`;
const str = (name: string) => ({ name, type: 'str' });
const API = JSON.stringify({
  methods: {
    run: { readonly: false, params: [str('op'), str('args')], returns: 'str' },
    caught: { readonly: false, params: [str('args')], returns: 'str' },
    gov: { readonly: false, params: [str('q'), str('args')], returns: 'str' },
    peek: { readonly: true, params: [str('op'), str('args')], returns: 'str' },
  },
  events: {},
});
const MEMBERS = `
  run(op, args) { return __loopchain.pki(op, args); }
  caught(args) { try { __loopchain.pki('issue', args); } catch (e) {} return 'done'; }
  gov(q, args) { return __loopchain.governance(q, args); }
  peek(op, args) { return __loopchain.pki(op, args); }
`;

let chain: TestChain;
const over = (): Partial<BlockContext> => ({
  timestamp: BLOCK_TIME_US + BigInt(chain.height + 1) * 1_000_000n,
  certificateAuthorityAddress: PROBE,
});
const code = (r: { failure?: { code: string } }): string | undefined => r.failure?.code;

before(async () => {
  chain = await TestChain.start([{ address: PROBE, code: rawScore(MEMBERS, API), deployer: admin.address }], {
    certificateAuthorityAddress: PROBE,
  });
});

describe('pki and governance bridge operations', () => {
  test('hash and parseCsr answer readonly queries; issue does not', () => {
    const q = (op: string, args: unknown) =>
      chain.query(PROBE, 'peek', { op, args: JSON.stringify(args) }, { certificateAuthorityAddress: PROBE });
    assert.deepEqual(JSON.parse(q('hash', { hex: '616263' }) as string), {
      sha256: createHash('sha256').update('abc').digest('hex'),
    });
    assert.deepEqual(JSON.parse(q('parseCsr', { pem: 'x' }) as string).code, 'MALFORMED_CSR');
    const rejects = (op: string, args: unknown, expected: string) =>
      assert.throws(
        () => q(op, args),
        (e) => e instanceof ScoreError && e.code === expected,
      );
    rejects('issue', {}, 'READONLY_WRITE');
    rejects('sign', {}, 'INVALID_PKI_CALL');
    rejects('hash', { hex: 'zz' }, 'INVALID_PKI_CALL');
  });

  test('malformed calls fail the transaction with typed failures', () => {
    const receipts = chain.block(
      [
        callTx(admin, PROBE, 'run', { op: 'hash', args: '[1]' }),
        callTx(admin, PROBE, 'run', { op: 'issue', args: '{}' }),
        callTx(admin, PROBE, 'gov', { q: 'setRole', args: '{}' }),
        callTx(admin, PROBE, 'gov', { q: 'hasRole', args: '{"address":"nope","role":"ra"}' }),
        // The fake governance has no hasRole: the query fails, typed.
        callTx(admin, PROBE, 'gov', {
          q: 'hasRole',
          args: JSON.stringify({ address: admin.address, role: 'ra' }),
        }),
      ],
      over(),
    ).receipts;
    assert.deepEqual(receipts.map(code), [
      'INVALID_PKI_CALL',
      'PKI_UNAVAILABLE',
      'INVALID_GOVERNANCE_QUERY',
      'INVALID_GOVERNANCE_QUERY',
      'INVALID_GOVERNANCE_QUERY',
    ]);
  });

  test('a block fault makes the block invalid even when the SCORE catches the refusal', () => {
    const spki = keyPair('P-256').publicKey.export({ format: 'der', type: 'spki' }).toString('hex');
    const args = JSON.stringify({
      subjectId: 'pseudonym-0001',
      firm: 'Firm A',
      spki,
      validityDays: 30,
      index: 0,
    });
    const txs = [callTx(admin, PROBE, 'caught', { args })];
    const ctx = ctxAt(chain.height + 1, over());
    const p = profileOf(ctx);
    const proposer = testProposer(p, 7);
    const proposed = applyBlock(chain.view(), { transactions: txs }, { ...ctx, blockSigner: proposer });
    assert.equal(proposed.receipts[0]!.status, 1, JSON.stringify(proposed.receipts[0]!.failure));
    const record = proposer.finish()!;
    const signature = new Uint8Array(record.signatures[0]!.signature);
    signature[10]! ^= 0xff;
    const tampered = { ...record, signatures: [{ ...record.signatures[0]!, signature }] };
    const validator = new ValidatingBlockIssuer(p, tampered, { validatorCa: validatorParent() });
    assert.throws(
      () => applyBlock(chain.view(), { transactions: txs }, { ...ctx, blockSigner: validator }),
      (e) => e instanceof BlockInvalidError && e.detail.reason === 'BAD_SIGNATURE' && e.detail.txIndex === 0,
    );
    // A signer made for another block is a host error, not a signature.
    const stale = new ProposerBlockIssuer(profile({ ...p, height: p.height + 1n }), {
      validatorCa: validatorParent(),
      validatorCaKey: hierarchy().validatorCa.privateKey,
      random: seededRandom(8),
    });
    const wrong = applyBlock(chain.view(), { transactions: txs }, { ...ctx, blockSigner: stale });
    assert.equal(code(wrong.receipts[0]!), 'INTERNAL');
  });
});
