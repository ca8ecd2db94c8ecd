/**
 * The SCORE Store: deploy → pending → approved through governance → active; new versions; rejection with a
 * reason; who may deploy; every version kept and listed; icx_getScoreApi; built-ins at genesis.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sdk from 'icon-sdk-js';
import { sha3_256 } from '../../src/codec/hash.js';
import { bytesToHex } from '../../src/codec/hex.js';
import { applyBlock } from '../../src/score/apply-block.js';
import { ScoreError, type FailureCode } from '../../src/score/errors.js';
import { CommittedState } from '../../src/score/overlay.js';
import { getScoreApi, listVersions } from '../../src/score/query.js';
import { deriveScoreAddress } from '../../src/score/score-store.js';
import {
  admin,
  alice,
  callTx,
  ctxAt,
  CX_ZERO,
  deployTx,
  fixture,
  GOVERNANCE,
  mallory,
  rawScore,
  signedTx,
  TestChain,
} from '../helpers/score-chain.js';

const { Validator } = sdk as unknown as { Validator: { isScoreApiList(list: unknown): boolean } };
const isFailure = (code: FailureCode) => (e: unknown) => e instanceof ScoreError && e.code === code;
const codes = (r: { receipts: readonly { failure?: { code: string } }[] }) =>
  r.receipts.map((x) => x.failure?.code ?? 'ok');
const approve = (address: string, version: string) =>
  callTx(admin, GOVERNANCE, 'approve', { address, version });

describe('SCORE Store', () => {
  let chain: TestChain;
  let counterV1: Awaited<ReturnType<typeof fixture>>;
  let counterV2: string;
  before(async () => {
    chain = await TestChain.start();
    counterV1 = await fixture('counter');
    // A second version: same api, different code.
    counterV2 = counterV1.code.replace('?? 0n) + amount;', '?? 0n) + amount * 10n;');
    assert.notEqual(counterV2, counterV1.code);
  });

  test('deploy → pending (calls fail SCORE_PENDING) → approved → active', () => {
    const deploy = deployTx(admin, CX_ZERO, counterV1);
    const d = chain.block([deploy]);
    const address = d.receipts[0]!.scoreAddress!;
    assert.equal(address, deriveScoreAddress(admin.address, deploy.hash));
    const expected = `cx${bytesToHex(sha3_256(new Uint8Array([...Buffer.from(admin.address.slice(2), 'hex'), ...deploy.hash])).subarray(12))}`;
    assert.equal(address, expected);
    assert.throws(() => chain.query(address, 'value'), isFailure('SCORE_PENDING'));
    assert.throws(() => getScoreApi(chain.state, address), isFailure('SCORE_PENDING'));
    assert.ok(getScoreApi(chain.state, address, 1).length > 0, 'auditors can read a pending version');
    const r = chain.block([
      callTx(alice, address, 'increment'),
      approve(address, '0x1'),
      callTx(alice, address, 'increment'),
    ]);
    assert.deepEqual(codes(r), ['SCORE_PENDING', 'ok', 'ok']);
    assert.equal(chain.query(address, 'value'), '0x1');
    const [v1] = listVersions(chain.state, address);
    assert.deepEqual(v1, {
      address,
      version: 1,
      codeHash: counterV1.codeHash,
      deployer: admin.address,
      txHash: `0x${bytesToHex(deploy.hash)}`,
      height: d.receipts[0]!.blockHeight,
      status: 'active',
      approver: admin.address,
      decidedHeight: r.receipts[1]!.blockHeight,
    });
  });

  test('a new version stays pending while the old one serves; approval supersedes it; all are listed', () => {
    const address = chain.deployActive(counterV1);
    const d = chain.block([deployTx(admin, address, counterV2)]);
    assert.equal(d.receipts[0]!.scoreAddress, address);
    chain.block([callTx(alice, address, 'add', { amount: '0x1' })]);
    assert.equal(chain.query(address, 'value'), '0x1', 'version 1 still runs');
    chain.block([approve(address, '0x2'), callTx(alice, address, 'add', { amount: '0x1' })]);
    assert.equal(
      chain.query(address, 'value'),
      '0xb',
      'version 2 runs right after its approval, on the same storage',
    );
    const versions = listVersions(chain.state, address);
    assert.deepEqual(
      versions.map((v) => [v.version, v.status, v.codeHash]),
      [
        [1, 'superseded', counterV1.codeHash],
        [2, 'active', `0x${bytesToHex(sha3_256(counterV2))}`],
      ],
    );
  });

  test('rejection records the reason; a SCORE with only rejected versions fails SCORE_REJECTED', () => {
    const d = chain.block([deployTx(admin, CX_ZERO, counterV1)]);
    const address = d.receipts[0]!.scoreAddress!;
    const r = chain.block([
      callTx(admin, GOVERNANCE, 'reject', { address, version: '0x1', reason: 'unaudited arithmetic' }),
      approve(address, '0x1'),
    ]);
    assert.deepEqual(codes(r), ['ok', 'INVALID_SYSTEM_CALL']);
    assert.throws(() => chain.query(address, 'value'), isFailure('SCORE_REJECTED'));
    const [v1] = listVersions(chain.state, address);
    assert.deepEqual(
      [v1!.status, v1!.reason, v1!.rejecter],
      ['rejected', 'unaudited arithmetic', admin.address],
    );
    const again = chain.block([deployTx(admin, address, counterV1)]);
    assert.equal(again.receipts[0]!.status, 1);
    assert.throws(
      () => chain.query(address, 'value'),
      isFailure('SCORE_PENDING'),
      'a pending version takes precedence',
    );
  });

  test('who may deploy: governance members only; new versions by the owner or an admin', () => {
    const owned = chain.block([deployTx(admin, CX_ZERO, counterV1)]).receipts[0]!.scoreAddress!;
    const r = chain.block([
      deployTx(mallory, CX_ZERO, counterV1),
      callTx(mallory, GOVERNANCE, 'allowDeployer', { address: mallory.address }),
      callTx(admin, GOVERNANCE, 'allowDeployer', { address: alice.address }),
      deployTx(alice, CX_ZERO, counterV1),
    ]);
    assert.deepEqual(codes(r), ['DEPLOY_FORBIDDEN', 'SCORE_REVERT', 'ok', 'ok']);
    const alices = r.receipts[3]!.scoreAddress!;
    const updates = chain.block([
      deployTx(alice, owned, counterV2),
      deployTx(admin, alices, counterV2),
      deployTx(alice, alices, counterV2),
      deployTx(alice, `cx${'ee'.repeat(20)}`, counterV2),
    ]);
    assert.deepEqual(codes(updates), ['DEPLOY_FORBIDDEN', 'ok', 'ok', 'SCORE_NOT_FOUND']);
    assert.deepEqual(
      listVersions(chain.state, alices).map((v) => [v.version, v.deployer, v.status]),
      [
        [1, alice.address, 'pending'],
        [2, admin.address, 'pending'],
        [3, alice.address, 'pending'],
      ],
    );
  });

  test('approving is for pending versions, in order, by the governance SCORE only', () => {
    const address = chain.deployActive(counterV1);
    chain.block([deployTx(admin, address, counterV2), deployTx(admin, address, counterV1)]);
    const r = chain.block([
      approve(address, '0x1'),
      approve(address, '0x9'),
      approve(`cx${'ee'.repeat(20)}`, '0x1'),
      approve(address, '0x3'),
      approve(address, '0x2'),
      callTx(admin, GOVERNANCE, 'swallowRefusal'),
    ]);
    assert.deepEqual(codes(r), [
      'INVALID_SYSTEM_CALL',
      'INVALID_SYSTEM_CALL',
      'INVALID_SYSTEM_CALL',
      'ok',
      'INVALID_SYSTEM_CALL',
      'INVALID_SYSTEM_CALL',
    ]);
    assert.equal(r.receipts[4]!.failure?.message, 'version 2 is older than the active version 3');
  });

  test('bad deployments: zip content, deploy params, unloadable code', () => {
    const zip = signedTx(admin, CX_ZERO, {
      dataType: 'deploy',
      data: { contentType: 'application/zip', content: '0x504b' },
    });
    const withParams = signedTx(admin, CX_ZERO, {
      dataType: 'deploy',
      data: {
        contentType: 'application/javascript',
        content: `0x${Buffer.from(counterV1.code).toString('hex')}`,
        params: { a: '0x1' },
      },
    });
    const r = chain.block([
      zip,
      withParams,
      deployTx(admin, CX_ZERO, 'this is not javascript'),
      deployTx(admin, CX_ZERO, '\u0000'),
    ]);
    assert.deepEqual(codes(r), ['DEPLOY_INVALID', 'INVALID_PARAMS', 'DEPLOY_INVALID', 'DEPLOY_INVALID']);
  });

  test('icx_getScoreApi describes methods, then events, each sorted by name, in ICON’s shape', () => {
    const address = chain.deployActive(counterV1);
    const api = getScoreApi(chain.state, address);
    assert.ok(Validator.isScoreApiList(api));
    assert.deepEqual(api, [
      { type: 'function', name: 'add', inputs: [{ name: 'amount', type: 'int' }], outputs: [] },
      { type: 'function', name: 'addThenRevert', inputs: [{ name: 'amount', type: 'int' }], outputs: [] },
      { type: 'function', name: 'increment', inputs: [], outputs: [] },
      { type: 'function', name: 'value', inputs: [], outputs: [{ type: 'int' }], readonly: '0x1' },
      {
        type: 'eventlog',
        name: 'Added',
        inputs: [
          { name: 'by', type: 'Address', indexed: '0x1' },
          { name: 'total', type: 'int' },
        ],
      },
    ]);
    const gov = getScoreApi(chain.state, GOVERNANCE);
    assert.ok(!gov.some((e) => e.name === 'on_install'), 'the install hook is not part of the api');
    assert.throws(() => getScoreApi(chain.state, `cx${'ee'.repeat(20)}`), isFailure('SCORE_NOT_FOUND'));
  });
});

describe('built-ins at genesis', () => {
  test('are active from genesis, approved by "genesis", with on_install run once', async () => {
    const counter = await fixture('counter');
    const builtin = `cx${'00'.repeat(19)}02`;
    const chain = await TestChain.start([{ address: builtin, code: counter.code, deployer: alice.address }]);
    assert.equal(chain.query(builtin, 'value'), '0x0');
    assert.equal(chain.query(GOVERNANCE, 'isAdmin', { address: admin.address }), '0x1');
    assert.deepEqual(
      listVersions(chain.state, builtin).map((v) => [v.status, v.approver, v.txHash, v.height]),
      [['active', 'genesis', null, 0]],
    );
    assert.throws(
      () => chain.query(GOVERNANCE, 'on_install', { admin: mallory.address }),
      isFailure('METHOD_NOT_FOUND'),
    );
    const r = chain.block([callTx(mallory, GOVERNANCE, 'on_install', { admin: mallory.address })]);
    assert.equal(r.receipts[0]!.failure?.code, 'METHOD_NOT_FOUND');
  });

  test('a bad genesis config fails GENESIS_FAILED with the reason', async () => {
    const counter = await fixture('counter');
    const governance = await fixture('fake-governance');
    const cases: [string, object][] = [
      ['the address must be a cx address', { address: CX_ZERO, code: counter.code, deployer: admin.address }],
      [
        'the deployer must be an hx address',
        { address: GOVERNANCE, code: counter.code, deployer: GOVERNANCE },
      ],
      [
        'params given but no on_install',
        { address: GOVERNANCE, code: counter.code, deployer: admin.address, params: {} },
      ],
      [
        'on_install failed: INVALID_PARAMS',
        { address: GOVERNANCE, code: governance.code, deployer: admin.address, params: {} },
      ],
      [
        'Date is not available',
        {
          address: GOVERNANCE,
          code: rawScore('run() {}', undefined, 'Date.now();'),
          deployer: admin.address,
        },
      ],
    ];
    for (const [why, score] of cases) {
      assert.throws(
        () => applyBlock(CommittedState.empty(), { transactions: [], genesis: [score as never] }, ctxAt(0)),
        (e: unknown) => e instanceof ScoreError && e.code === 'GENESIS_FAILED' && e.message.includes(why),
        why,
      );
    }
  });

  test('without a governance SCORE nobody can deploy', async () => {
    const counter = await fixture('counter');
    const base = CommittedState.empty();
    base.apply(applyBlock(base, { transactions: [] }, ctxAt(0)).state);
    const r = applyBlock(base, { transactions: [deployTx(admin, CX_ZERO, counter)] }, ctxAt(1));
    assert.deepEqual(r.receipts[0]!.failure, {
      code: 'DEPLOY_FORBIDDEN',
      message: 'there is no governance SCORE to allow deployments',
    });
  });
});
