/**
 * Execute-then-propose on a real genesis (governance, certificate authority, chat): the proposer builds and
 * signs a block with buildBlock — a chat post and a certificate issued by an RA member from an anonymous CSR
 * — and a validator with a fresh env re-executes its decoded bytes with executeBlock and gets the same roots,
 * certificate log and receipts. Then every reason a validator refuses a block, each with its BlockRejected
 * code and the fragment of its message that says why: header checks, the proposer signature, the validator
 * set hashes, each root (the header tampered and re-signed by the proposer, so only that root differs), the
 * certificate issuance, and the transaction checks of blockTransactions.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BlockRejected,
  blockTransactions,
  buildBlock,
  executeBlock,
  type BlockRejectCode,
  type ExecutedBlock,
  type ExecutionEnv,
  type ExpectedHeader,
  type ParentRef,
} from '../../src/channel/block-exec.js';
import { bytesToHex } from '../../src/codec/hex.js';
import {
  blockHash,
  decodeBlock,
  signBlock,
  validatorsHash,
  type Block,
  type BlockHeader,
} from '../../src/ledger/block.js';
import { certLogHasher } from '../../src/ledger/merkle.js';
import { encodeTransaction, type Transaction } from '../../src/ledger/transaction.js';
import { parseCertificate } from '../../src/pki/cert-der.js';
import {
  ALICE,
  CA,
  CHANNEL,
  CHAT,
  channelFixture,
  FIRM_A,
  GENESIS_TIME_US,
  proposerEnv,
  TX_WINDOW_US,
  tx,
  VALIDATORS,
  validatorEnv,
  type Account,
  type ChannelFixture,
} from '../helpers/channel-fixture.js';
import { keyPair, makeCsr } from '../helpers/pki-fixture.js';

const V0 = VALIDATORS[0]!;
const V1 = VALIDATORS[1]!;
const V2 = VALIDATORS[2]!;
const TS = GENESIS_TIME_US + 2_000_000n;

let f: ChannelFixture;
let expected: ExpectedHeader;
/** v0's block: a chat post and a certificate issuance. */
let issuing: ExecutedBlock;
/** v0's block of two chat posts, no issuance. */
let plain: ExecutedBlock;
let seed = 100;

function propose(
  transactions: readonly Transaction[],
  o: { proposer?: Account; env?: ExecutionEnv; timestamp?: bigint; parent?: ParentRef } = {},
): ExecutedBlock {
  const proposer = o.proposer ?? V0;
  const parent = o.parent ?? f.parent;
  return buildBlock(o.env ?? proposerEnv(f.config, f.validatorCas[0]!, seed++), parent, {
    round: parent.height + 1,
    qc:
      parent === f.parent
        ? f.genesisQc
        : { height: parent.height, round: parent.height, blockHash: parent.hash, votes: [] },
    tc: undefined,
    transactions,
    timestamp: o.timestamp ?? TS,
    proposerKey: proposer.key,
    proposer: proposer.id,
    validatorsHash: f.validatorsHash,
    nextValidatorsHash: f.validatorsHash,
  });
}

const chatTx = (message: string, ts = TS): Transaction => tx(ALICE, CHAT, 'post', { message }, ts);

function issueTx(subjectId: string): Transaction {
  return tx(
    FIRM_A,
    CA,
    'issue',
    { csr: makeCsr(keyPair('P-256'), { subject: '' }), subjectId, validityDays: '0x16d' },
    TS,
  );
}

/** A validator's check of a received block: decode-free (the block object as given). */
function validate(
  block: Block,
  hash: Uint8Array,
  o: { env?: ExecutionEnv; txs?: readonly Transaction[]; expect?: Partial<ExpectedHeader> } = {},
): ExecutedBlock {
  const env = o.env ?? validatorEnv(f.config);
  return executeBlock(env, f.parent, block, hash, o.txs ?? blockTransactions(env, block), {
    ...expected,
    ...o.expect,
  });
}

/** The block with header fields changed and signed again by `signer` (v0 by default). */
function resigned(
  b: ExecutedBlock,
  over: Partial<BlockHeader>,
  signer: Account = V0,
): { block: Block; hash: Uint8Array } {
  const header: BlockHeader = { ...b.block.header!, ...over };
  return { block: { ...b.block, header, signature: signBlock(header, signer.key) }, hash: blockHash(header) };
}

function rejects(run: () => unknown, code: BlockRejectCode, fragment: string | RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof BlockRejected, `not a BlockRejected: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof fragment === 'string') assert.ok(e.message.includes(fragment), e.message);
    else assert.match(e.message, fragment);
    return true;
  });
}

const flipped = (b: Uint8Array, i = 0): Uint8Array => {
  const out = new Uint8Array(b);
  out[i]! ^= 0x01;
  return out;
};

before(async () => {
  f = await channelFixture();
  expected = {
    validatorsHash: f.validatorsHash,
    nextValidatorsHash: f.validatorsHash,
    maxTimestamp: TS + 10_000_000n,
  };
  issuing = propose([chatTx('hello'), issueTx('pseudo_000000000001')]);
  plain = propose([chatTx('one'), chatTx('two')]);
});

describe('a proposed block re-executed by a validator', () => {
  test('the chain config read back from genesis names the SCOREs, the Validator CAs and the policy', () => {
    assert.equal(f.config.channel, CHANNEL);
    assert.equal(f.config.nid, 3n);
    assert.deepEqual(f.config.scores, {
      certificateAuthority: CA,
      chat: CHAT,
      governance: f.config.governanceAddress,
    });
    assert.equal(f.config.certificateAuthorityAddress, CA);
    assert.deepEqual(f.config.pki, {
      consortium: f.genesisConfig.pki!.consortium,
      ocspUrl: f.genesisConfig.pki!.ocspUrl,
    });
    assert.deepEqual(
      f.config.validators.map((v) => v.caCertificate !== undefined),
      [true, true, false, false],
    );
    assert.deepEqual(f.config.validators[0]!.caCertificate, f.validatorCas[0]!.certificate);
  });

  test('buildBlock executes, fills the roots and records the issuance; the validator agrees on all of it', () => {
    const h = issuing.block.header!;
    assert.equal(h.height, 1);
    assert.equal(h.round, 1);
    assert.equal(h.channel, CHANNEL);
    assert.deepEqual(h.prevHash, f.genesis.blockHash);
    assert.deepEqual(h.proposer, V0.id);
    assert.equal(BigInt(h.timestamp), TS);
    assert.deepEqual(
      issuing.result.receipts.map((r) => r.status),
      [1, 1],
      JSON.stringify(issuing.result.receipts.map((r) => r.failure)),
    );
    assert.equal(h.certLogSize, 1);
    assert.notDeepEqual(h.certLogRoot, certLogHasher.emptyRoot());
    assert.deepEqual(issuing.hash, blockHash(h));
    assert.equal(issuing.summary.txCount, 2);
    assert.equal(issuing.block.issuance?.signatures.length, 1);
    // The Block Issuer CA of this block is issued by the proposer's Validator CA.
    const issuer = parseCertificate(issuing.block.issuance.issuerCertificate);
    const validatorCa = parseCertificate(f.validatorCas[0]!.certificate);
    assert.deepEqual(issuer.issuer, validatorCa.subject);

    // What a peer receives: the encoded bytes, decoded; a validator env without any CA key.
    const received = decodeBlock(issuing.bytes);
    const env = validatorEnv(f.config);
    const txs = blockTransactions(env, received);
    assert.deepEqual(
      txs.map((t) => bytesToHex(t.hash)),
      issuing.transactions.map((t) => bytesToHex(t.hash)),
    );
    const executed = executeBlock(env, f.parent, received, issuing.hash, txs, expected);
    assert.deepEqual(executed.result.roots, issuing.result.roots);
    assert.deepEqual(executed.result.certLog, issuing.result.certLog);
    assert.deepEqual(executed.result.receiptBytes, issuing.result.receiptBytes);
    assert.deepEqual(executed.summary, issuing.summary);
    assert.deepEqual(executed.bytes, issuing.bytes);
  });

  test('a block without issuance from a proposer without a Validator CA is accepted', () => {
    const b = propose([chatTx('no ca')], { proposer: V2, env: validatorEnv(f.config) });
    assert.equal(b.block.issuance, undefined);
    assert.equal(b.block.header!.certLogSize, 0);
    assert.deepEqual(b.block.header!.certLogRoot, certLogHasher.emptyRoot());
    const executed = validate(decodeBlock(b.bytes), b.hash);
    assert.deepEqual(executed.result.roots, b.result.roots);
  });

  test('a block extends an uncommitted parent: height 2 on the state of height 1', () => {
    const parent: ParentRef = {
      state: issuing.result.state,
      hash: issuing.hash,
      height: 1,
      timestamp: TS,
    };
    const ts = TS + 1_000_000n;
    const b = propose([chatTx('second', ts), issueTx('pseudo_000000000002')], {
      parent,
      timestamp: ts,
      env: proposerEnv(f.config, f.validatorCas[1]!, seed++),
      proposer: V1,
    });
    assert.deepEqual(
      b.result.receipts.map((r) => r.status),
      [1, 1],
    );
    assert.equal(b.block.header!.certLogSize, 2);
    const env = validatorEnv(f.config);
    const received = decodeBlock(b.bytes);
    const executed = executeBlock(env, parent, received, b.hash, blockTransactions(env, received), {
      ...expected,
      maxTimestamp: ts,
    });
    assert.deepEqual(executed.result.roots, b.result.roots);
    assert.deepEqual(executed.result.certLog, b.result.certLog);
  });
});

describe('executeBlock refuses', () => {
  test('a block of another channel (WRONG_CHANNEL)', () => {
    const { block, hash } = resigned(issuing, { channel: 'other' });
    rejects(() => validate(block, hash), 'WRONG_CHANNEL', 'block of channel other');
  });

  test('a block that does not extend the parent: wrong height or wrong prevHash (WRONG_PARENT)', () => {
    const high = resigned(issuing, { height: 2 });
    rejects(() => validate(high.block, high.hash), 'WRONG_PARENT', 'block 2 does not extend 0');
    const other = resigned(issuing, { prevHash: flipped(f.genesis.blockHash) });
    rejects(() => validate(other.block, other.hash), 'WRONG_PARENT', 'block 1 does not extend 0');
  });

  test('a block time not after the parent, or beyond maxTimestamp (BAD_TIMESTAMP)', () => {
    const same = resigned(issuing, { timestamp: Number(GENESIS_TIME_US) });
    rejects(() => validate(same.block, same.hash), 'BAD_TIMESTAMP', 'not after its parent');
    const before = resigned(issuing, { timestamp: Number(GENESIS_TIME_US) - 1 });
    rejects(() => validate(before.block, before.hash), 'BAD_TIMESTAMP', 'not after its parent');
    rejects(
      () => validate(issuing.block, issuing.hash, { expect: { maxTimestamp: TS - 1n } }),
      'BAD_TIMESTAMP',
      'too far ahead',
    );
    // Exactly at the limit is fine.
    validate(issuing.block, issuing.hash, { expect: { maxTimestamp: TS } });
  });

  test('a bad proposer signature (BAD_SIGNATURE)', () => {
    // The recovery id flipped: a valid signature of another key.
    const otherKey = { ...issuing.block, signature: flipped(issuing.block.signature, 64) };
    rejects(() => validate(otherKey, issuing.hash), 'BAD_SIGNATURE', 'not by the proposer');
    const outOfRange = new Uint8Array(issuing.block.signature);
    outOfRange[64] = 9;
    rejects(
      () => validate({ ...issuing.block, signature: outOfRange }, issuing.hash),
      'BAD_SIGNATURE',
      'recovery id must be 0..3',
    );
    rejects(
      () => validate({ ...issuing.block, signature: issuing.block.signature.subarray(0, 64) }, issuing.hash),
      'BAD_SIGNATURE',
      'must be 65 bytes',
    );
    // Signed by another validator than the header's proposer.
    const byV1 = resigned(issuing, {}, V1);
    rejects(
      () => validate(byV1.block, byV1.hash),
      'BAD_SIGNATURE',
      `not by the proposer hx${bytesToHex(V0.id)}`,
    );
  });

  test('a validatorsHash or nextValidatorsHash other than this node expects (ROOT_MISMATCH)', () => {
    const three = validatorsHash(VALIDATORS.slice(0, 3).map((v) => v.id));
    rejects(
      () => validate(issuing.block, issuing.hash, { expect: { validatorsHash: three } }),
      'ROOT_MISMATCH',
      'validatorsHash differs',
    );
    rejects(
      () => validate(issuing.block, issuing.hash, { expect: { nextValidatorsHash: three } }),
      'ROOT_MISMATCH',
      /^nextValidatorsHash differs/,
    );
    const header = resigned(issuing, { nextValidatorsHash: three });
    rejects(() => validate(header.block, header.hash), 'ROOT_MISMATCH', /^nextValidatorsHash differs/);
  });

  test('a changed transaction list: transactionsRoot differs', () => {
    // One transaction dropped from the block (not part of the signed header).
    const dropped = { ...plain.block, transactions: plain.block.transactions.slice(0, 1) };
    rejects(() => validate(dropped, plain.hash), 'ROOT_MISMATCH', /^transactionsRoot differs/);
    // Reordered.
    const swapped = { ...plain.block, transactions: [...plain.block.transactions].reverse() };
    rejects(() => validate(swapped, plain.hash), 'ROOT_MISMATCH', /^transactionsRoot differs/);
    // The header's root changed and re-signed.
    const header = resigned(plain, { transactionsRoot: flipped(plain.block.header!.transactionsRoot) });
    rejects(() => validate(header.block, header.hash), 'ROOT_MISMATCH', /^transactionsRoot differs/);
  });

  for (const field of ['receiptsRoot', 'stateRoot', 'certLogRoot'] as const) {
    test(`a header whose ${field} differs from this node's execution`, () => {
      const { block, hash } = resigned(issuing, { [field]: flipped(issuing.block.header![field]) });
      rejects(() => validate(block, hash), 'ROOT_MISMATCH', new RegExp(`^${field} differs`));
    });
  }

  test("a header whose certLogSize differs from this node's execution", () => {
    for (const size of [0, 2]) {
      const { block, hash } = resigned(issuing, { certLogSize: size });
      rejects(() => validate(block, hash), 'ROOT_MISMATCH', /^certLogSize differs/);
    }
  });

  test('a tampered issuance signature or TBS hash (INVALID_ISSUANCE)', () => {
    const record = issuing.block.issuance!;
    const sig = record.signatures[0]!;
    const badSig = {
      ...issuing.block,
      issuance: {
        ...record,
        signatures: [{ ...sig, signature: flipped(sig.signature, sig.signature.length - 1) }],
      },
    };
    rejects(
      () => validate(badSig, issuing.hash),
      'INVALID_ISSUANCE',
      "the block's certificate issuance is invalid",
    );
    const badTbs = {
      ...issuing.block,
      issuance: { ...record, signatures: [{ ...sig, tbsSha256: flipped(sig.tbsSha256) }] },
    };
    rejects(
      () => validate(badTbs, issuing.hash),
      'INVALID_ISSUANCE',
      "the block's certificate issuance is invalid",
    );
  });

  test('a swapped issuer certificate, a missing record or an extra signature (INVALID_ISSUANCE)', () => {
    const record = issuing.block.issuance!;
    // The same transactions proposed again with other randomness: another Block Issuer CA.
    const other = propose(issuing.transactions);
    assert.notDeepEqual(other.block.issuance!.issuerCertificate, record.issuerCertificate);
    const swapped = {
      ...issuing.block,
      issuance: { ...record, issuerCertificate: other.block.issuance!.issuerCertificate },
    };
    rejects(
      () => validate(swapped, issuing.hash),
      'INVALID_ISSUANCE',
      "the block's certificate issuance is invalid",
    );
    rejects(
      () => validate({ ...issuing.block, issuance: undefined }, issuing.hash),
      'INVALID_ISSUANCE',
      "the block's certificate issuance is invalid",
    );
    const extra = {
      ...issuing.block,
      issuance: { ...record, signatures: [...record.signatures, record.signatures[0]!] },
    };
    rejects(
      () => validate(extra, issuing.hash),
      'INVALID_ISSUANCE',
      "the block's certificate issuance is invalid",
    );
    // A record on a block that issues nothing.
    rejects(
      () => validate({ ...plain.block, issuance: record }, plain.hash),
      'INVALID_ISSUANCE',
      "the block's certificate issuance is invalid",
    );
  });

  test("a proposer issuing under another validator's CA (INVALID_ISSUANCE)", () => {
    // v1 proposes, but signs its Block Issuer CA with v0's Validator CA key.
    const b = propose([issueTx('pseudo_000000000003')], { proposer: V1 });
    assert.equal(b.result.receipts[0]!.status, 1);
    rejects(
      () => validate(decodeBlock(b.bytes), b.hash),
      'INVALID_ISSUANCE',
      "the block's certificate issuance is invalid",
    );
  });

  test('an issuance record on a block whose proposer has no Validator CA (INVALID_ISSUANCE)', () => {
    const b = propose([chatTx('from v2')], { proposer: V2, env: validatorEnv(f.config) });
    const withRecord = { ...b.block, issuance: issuing.block.issuance };
    rejects(() => validate(withRecord, b.hash), 'INVALID_ISSUANCE', 'its proposer cannot make');
    // Nor on a channel whose chain config has no certificate policy.
    const { pki: _pki, ...noPki } = f.config;
    rejects(
      () => validate(issuing.block, issuing.hash, { env: validatorEnv(noPki) }),
      'INVALID_ISSUANCE',
      'its proposer cannot make',
    );
  });
});

describe('blockTransactions refuses', () => {
  const env = (): ExecutionEnv => validatorEnv(f.config);
  const withTxs = (txs: readonly (Transaction | Uint8Array)[]): Block => ({
    ...plain.block,
    transactions: txs.map((t) => (t instanceof Uint8Array ? t : encodeTransaction(t))),
  });

  test('accepts the transactions of a good block, in order', () => {
    const txs = [chatTx('a'), chatTx('b')];
    assert.deepEqual(
      blockTransactions(env(), withTxs(txs)).map((t) => bytesToHex(t.hash)),
      txs.map((t) => bytesToHex(t.hash)),
    );
  });

  test('a transaction whose signature is not its sender’s', () => {
    const a = chatTx('a');
    const b = chatTx('b');
    const forged = encodeTransaction({ params: { ...a.params, signature: b.params.signature! } });
    rejects(
      () => blockTransactions(env(), withTxs([b, forged])),
      'BAD_TRANSACTION',
      /^transaction 1: signed by hx/,
    );
    const garbage = encodeTransaction({
      params: { ...a.params, signature: Buffer.from(new Uint8Array(65).fill(0xff)).toString('base64') },
    });
    rejects(() => blockTransactions(env(), withTxs([garbage])), 'BAD_TRANSACTION', /^transaction 0: /);
  });

  test('a transaction of another network (nid)', () => {
    const foreign = tx(ALICE, CHAT, 'post', { message: 'x' }, TS, { nid: '0x4' });
    rejects(
      () => blockTransactions(env(), withTxs([chatTx('ok'), foreign])),
      'BAD_TRANSACTION',
      'transaction 1: nid 0x4',
    );
  });

  test('a transaction outside the time window of its block, either side', () => {
    for (const ts of [TS - TX_WINDOW_US - 1n, TS + TX_WINDOW_US + 1n]) {
      rejects(
        () => blockTransactions(env(), withTxs([chatTx('late', ts)])),
        'BAD_TRANSACTION',
        "transaction 0: timestamp outside the block's window",
      );
    }
    // The edges of the window are inside it.
    assert.equal(
      blockTransactions(
        env(),
        withTxs([chatTx('early', TS - TX_WINDOW_US), chatTx('late', TS + TX_WINDOW_US)]),
      ).length,
      2,
    );
  });

  test('the same transaction twice in one block', () => {
    const a = chatTx('a');
    rejects(
      () => blockTransactions(env(), withTxs([a, chatTx('b'), a])),
      'BAD_TRANSACTION',
      'transaction 2 appears twice',
    );
  });

  test('bytes that do not decode to a transaction', () => {
    rejects(
      () => blockTransactions(env(), withTxs([chatTx('a'), Uint8Array.of(0xff, 0xfe, 0x00)])),
      'BAD_TRANSACTION',
      'transaction 1: transaction bytes are not UTF-8 JSON',
    );
    rejects(
      () => blockTransactions(env(), withTxs([new TextEncoder().encode('{"version":"0x3"}')])),
      'BAD_TRANSACTION',
      /^transaction 0: \w+ is required/,
    );
  });
});
