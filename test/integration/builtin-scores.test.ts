/**
 * The real governance and chat SCOREs, bundled from contracts/ and run in the sandbox through applyBlock:
 * genesis installs them, then the tiered system works end to end (2-of-3 admission, refusals, the
 * deployment audit gate) and the chat demo posts and pages.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBlock, commit } from '../../src/score/apply-block.js';
import type { ScoreBundle } from '../../src/score/bundle.js';
import type { CommittedState } from '../../src/score/overlay.js';
import { call as icxCall } from '../../src/score/query.js';
import type { Receipt } from '../../src/score/receipt.js';
import type { Transaction } from '../../src/ledger/transaction.js';
import type { IconValue } from '../../src/codec/icon-serialize.js';
import {
  account,
  callTx,
  contractGenesis,
  ctxAt,
  CX_ZERO,
  deployTx,
  failureOf,
  fixture,
  GOVERNANCE,
} from '../helpers/score-chain.js';

const CHAT = `cx${'00'.repeat(19)}02`;
const [admin1, admin2, admin3, firmA, auditor, firmNew, outsider] = [
  'admin1',
  'admin2',
  'admin3',
  'firm-a',
  'auditor',
  'firm-new',
  'outsider',
].map(account);

let state: CommittedState;
let counter: ScoreBundle;

function block(txs: Transaction[]): Receipt[] {
  const result = applyBlock(state, { transactions: txs }, ctxAt(state.height + 1));
  commit(result.state);
  state.apply(result.state);
  return [...result.receipts];
}

function query(to: string, method: string, params?: Record<string, IconValue>): IconValue | null {
  return icxCall(state, { to, method, ...(params === undefined ? {} : { params }) }, ctxAt(state.height));
}

before(async () => {
  counter = await fixture('counter');
  state = await contractGenesis(
    admin1!,
    [
      { address: admin1!.address, name: 'KOFIA', roles: ['admin'] },
      { address: admin2!.address, name: 'Firm A admin', roles: ['admin'] },
      { address: admin3!.address, name: 'Firm B admin', roles: ['admin'] },
      { address: firmA!.address, name: 'Firm A', roles: ['ra'] },
      { address: auditor!.address, name: 'Audit Co', roles: ['auditor'] },
    ],
    [{ name: 'chat', address: CHAT }],
  );
});

describe('built-in SCOREs through applyBlock', () => {
  test('chat: post through a transaction, read a page back', () => {
    const [ok, empty] = block([
      callTx(firmA!, CHAT, 'post', { message: 'hello, consortium' }),
      callTx(firmA!, CHAT, 'post', { message: '   ' }),
    ]);
    assert.equal(ok!.status, 1);
    assert.equal(ok!.eventLogs.length, 1);
    assert.equal(empty!.status, 0);
    assert.equal(failureOf(empty!), 'EMPTY_MESSAGE');
    const page = query(CHAT, 'getMessages', { offset: '0x0', limit: '0xa' }) as {
      total: string;
      items: { message: string; sender: string }[];
    };
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0]!.message, 'hello, consortium');
    assert.equal(page.items[0]!.sender, firmA!.address);
  });

  test('governance: an RA cannot propose; admitting a firm takes 2 of 3 admins; no double approval', () => {
    const payload = { address: firmNew!.address, name: 'New Securities', roles: ['ra'] };
    const [refused] = block([callTx(firmA!, GOVERNANCE, 'propose', { kind: 'admitMember', payload })]);
    assert.equal(failureOf(refused!), 'NOT_ADMIN');
    const [proposed] = block([callTx(admin1!, GOVERNANCE, 'propose', { kind: 'admitMember', payload })]);
    assert.equal(proposed!.status, 1, JSON.stringify(proposed!.failure));
    assert.equal(query(GOVERNANCE, 'isMember', { address: firmNew!.address }), '0x0');
    const id = '0x1';
    const [twice] = block([callTx(admin1!, GOVERNANCE, 'approve', { id })]);
    assert.equal(failureOf(twice!), 'ALREADY_APPROVED');
    const [second] = block([callTx(admin2!, GOVERNANCE, 'approve', { id })]);
    assert.equal(second!.status, 1, JSON.stringify(second!.failure));
    assert.equal(query(GOVERNANCE, 'isMember', { address: firmNew!.address }), '0x1');
    assert.equal(query(GOVERNANCE, 'hasRole', { address: firmNew!.address, role: 'ra' }), '0x1');
  });

  test('SCORE Store: a member deploys, the SCORE stays pending until an auditor approves it', () => {
    const [byOutsider] = block([deployTx(outsider!, CX_ZERO, counter)]);
    assert.equal(byOutsider!.status, 0);
    const [deployed] = block([deployTx(firmA!, CX_ZERO, counter)]);
    assert.equal(deployed!.status, 1, JSON.stringify(deployed!.failure));
    const address = deployed!.scoreAddress!;
    const [pending] = block([callTx(firmA!, address, 'increment')]);
    assert.equal(failureOf(pending!), 'SCORE_PENDING');
    const [notAuditor] = block([
      callTx(firmA!, GOVERNANCE, 'approveDeployment', { address, version: '0x1' }),
    ]);
    assert.equal(failureOf(notAuditor!), 'NOT_AUDITOR');
    const [approved] = block([
      callTx(auditor!, GOVERNANCE, 'approveDeployment', { address, version: '0x1' }),
    ]);
    assert.equal(approved!.status, 1, JSON.stringify(approved!.failure));
    const [works] = block([callTx(firmA!, address, 'increment')]);
    assert.equal(works!.status, 1, JSON.stringify(works!.failure));
    assert.equal(query(address, 'value'), '0x1');
  });
});
