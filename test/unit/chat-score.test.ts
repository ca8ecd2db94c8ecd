/** The chat SCORE against an in-memory bridge: posting, the length rules, paging, events and its api. */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import ChatScore, { MAX_MESSAGE_LENGTH } from '../../contracts/chat/index.js';
import { account, FakeBridge } from '../helpers/fake-bridge.js';

const ALICE = account(1);
const BOB = account(2);

let bridge: FakeBridge;
let chat: ChatScore;

beforeEach(() => {
  bridge = new FakeBridge().install();
  chat = new ChatScore();
});

afterEach(() => bridge.uninstall());

test('post appends sender, message, height and timestamp, and emits MessagePosted', () => {
  bridge.atHeight(5n);
  bridge.tx(ALICE, () => chat.post('hello'));
  bridge.atHeight(6n);
  bridge.tx(BOB, () => chat.post('안녕하세요 👋'));
  assert.deepEqual(
    bridge.query(() => chat.getMessages(0n, 10n)),
    {
      total: 2n,
      items: [
        { index: 0n, sender: ALICE, message: 'hello', height: 5n, timestamp: 1_700_000_005_000_000n },
        { index: 1n, sender: BOB, message: '안녕하세요 👋', height: 6n, timestamp: 1_700_000_006_000_000n },
      ],
    },
  );
  assert.deepEqual(bridge.eventsSince(0), [
    ['MessagePosted', [ALICE], ['0x0', 'hello']],
    ['MessagePosted', [BOB], ['0x1', '안녕하세요 👋']],
  ]);
});

test('an empty or blank message is refused with EMPTY_MESSAGE', () => {
  bridge.expectRevert(ALICE, () => chat.post(''), 'EMPTY_MESSAGE');
  bridge.expectRevert(ALICE, () => chat.post(' \n\t '), 'EMPTY_MESSAGE');
  assert.equal(bridge.query(() => chat.getMessages(0n, 1n)).total, 0n);
});

test('at most 280 characters, counted as code points; longer is MESSAGE_TOO_LONG', () => {
  bridge.tx(ALICE, () => chat.post('x'.repeat(MAX_MESSAGE_LENGTH)));
  bridge.tx(ALICE, () => chat.post('😀'.repeat(MAX_MESSAGE_LENGTH)));
  bridge.expectRevert(
    ALICE,
    () => chat.post('x'.repeat(MAX_MESSAGE_LENGTH + 1)),
    'MESSAGE_TOO_LONG',
    /281 characters/,
  );
  bridge.expectRevert(ALICE, () => chat.post('😀'.repeat(MAX_MESSAGE_LENGTH + 1)), 'MESSAGE_TOO_LONG');
  assert.equal(bridge.query(() => chat.getMessages(0n, 10n)).total, 2n);
});

test('getMessages pages in posting order and caps the limit at 100', () => {
  for (let i = 0; i < 150; i++) bridge.tx(i % 2 === 0 ? ALICE : BOB, () => chat.post(`message ${i}`));
  const first = bridge.query(() => chat.getMessages(0n, 1000n));
  assert.equal(first.total, 150n);
  assert.equal(first.items.length, 100);
  assert.equal(first.items[99]?.message, 'message 99');
  const page = bridge.query(() => chat.getMessages(140n, 5n));
  assert.deepEqual(
    page.items.map((m) => [m.index, m.message]),
    [140n, 141n, 142n, 143n, 144n].map((i) => [i, `message ${i}`]),
  );
  assert.equal(bridge.query(() => chat.getMessages(148n, 100n)).items.length, 2);
  assert.deepEqual(
    bridge.query(() => chat.getMessages(150n, 10n)),
    { total: 150n, items: [] },
  );
  assert.deepEqual(bridge.query(() => chat.getMessages(1n << 64n, 10n)).items, []);
});

test('a negative offset or a limit below 1 is INVALID_PARAMS', () => {
  bridge.expectQueryRevert(() => chat.getMessages(-1n, 10n), 'INVALID_PARAMS', /^offset/);
  bridge.expectQueryRevert(() => chat.getMessages(0n, 0n), 'INVALID_PARAMS', /^limit/);
  bridge.expectQueryRevert(() => chat.getMessages(0n, -5n), 'INVALID_PARAMS', /^limit/);
});

test('getMessages on an empty history', () => {
  assert.deepEqual(
    bridge.query(() => chat.getMessages(0n, 10n)),
    { total: 0n, items: [] },
  );
});

test('the api declares exactly the class methods; getMessages is readonly, post is not', () => {
  const proto = ChatScore.prototype as unknown as Record<string, unknown>;
  assert.deepEqual(
    Object.getOwnPropertyNames(proto)
      .filter((n) => n !== 'constructor')
      .sort(),
    ['getMessages', 'post'],
  );
  assert.equal(ChatScore.api.methods.post?.readonly, false);
  assert.equal(ChatScore.api.methods.getMessages?.readonly, true);
  assert.deepEqual(
    ChatScore.api.methods.getMessages?.params.map((p) => [p.name, p.type]),
    [
      ['offset', 'int'],
      ['limit', 'int'],
    ],
  );
  assert.deepEqual(
    ChatScore.api.events.MessagePosted?.indexed.map((p) => p.name),
    ['sender'],
  );
});
