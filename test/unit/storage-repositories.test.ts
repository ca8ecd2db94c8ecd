/**
 * One repository suite, run against every controller: the Map store, LevelStore over memory-level, and
 * LevelStore over a real LevelDB in a temp dir. Whatever passes here behaves the same in tests and nodes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLevel } from 'memory-level';
import { sha3_256 } from '../../src/codec/hash.js';
import { ChannelStorage, type BlockCommit } from '../../src/storage/channel-storage.js';
import { isStorageError, type StorageErrorCode } from '../../src/storage/errors.js';
import { blockHashByHeightKey, logNodeKey, metaKey, txByHashKey } from '../../src/storage/keys.js';
import { LevelStore } from '../../src/storage/level-store.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import {
  channelStore,
  type KeyValueStore,
  type KvOperation,
  type StorageController,
  type WriteOptions,
} from '../../src/storage/store.js';

const tempDirs: string[] = [];
after(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const BACKENDS: Record<string, () => Promise<StorageController>> = {
  'MemoryStore (Map)': async () => new MemoryStore(),
  'LevelStore over memory-level': () =>
    LevelStore.wrap(new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' })),
  'LevelStore over LevelDB': () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-storage-unit-'));
    tempDirs.push(dir);
    return LevelStore.open(join(dir, 'db'));
  },
};

const enc = (s: string) => new TextEncoder().encode(s);
const isCode = (c: StorageErrorCode) => (e: unknown) => isStorageError(e, c);

/** A small block whose contents are derived from (tag, height) so two tags give disjoint data. */
function block(height: number, tag = 'a', txCount = 3): BlockCommit {
  const blockBytes = enc(`${tag}/block/${height}`);
  return {
    height,
    hash: sha3_256(blockBytes),
    blockBytes,
    commitProof: enc(`${tag}/qc/${height}`),
    transactions: Array.from({ length: txCount }, (_, i) => ({
      hash: sha3_256(`${tag}/tx/${height}/${i}`),
      bytes: enc(`${tag}/tx/${height}/${i}`),
      receiptBytes: enc(`${tag}/receipt/${height}/${i}`),
    })),
    stateWrites: [
      { key: enc('shared'), value: enc(`${tag}/${height}`) },
      { key: enc(`only/${height}`), value: enc('x') },
    ],
    logNodes: [{ level: 0, index: height, hash: sha3_256(`${tag}/leaf/${height}`) }],
  };
}

/** Records every write so tests can see how many batches a call made and with which options. */
class RecordingStore implements KeyValueStore {
  readonly writes: { operations: readonly KvOperation[]; options: WriteOptions }[] = [];
  constructor(private readonly inner: KeyValueStore) {}
  get(key: Uint8Array) {
    return this.inner.get(key);
  }
  entries(prefix: Uint8Array) {
    return this.inner.entries(prefix);
  }
  write(operations: readonly KvOperation[], options: WriteOptions) {
    this.writes.push({ operations, options });
    return this.inner.write(operations, options);
  }
}

/** Nothing that belongs only to `commit` is stored (a competing block at the same height may be). */
async function assertNotCommitted(ch: ChannelStorage, commit: BlockCommit): Promise<void> {
  assert.notDeepEqual(await ch.blocks.getHashByHeight(commit.height), commit.hash);
  assert.equal(await ch.blocks.getBlockBytes(commit.hash), undefined);
  assert.notDeepEqual(await ch.blocks.getCommitProof(commit.height), commit.commitProof);
  for (const tx of commit.transactions) assert.equal(await ch.transactions.get(tx.hash), undefined);
  for (const n of commit.logNodes) assert.notDeepEqual(await ch.logNodes.getNode(n.level, n.index), n.hash);
  const tip = await ch.blocks.lastCommitted();
  assert.ok(tip === undefined || tip.height < commit.height || !Buffer.from(tip.hash).equals(commit.hash));
}

for (const [name, open] of Object.entries(BACKENDS)) {
  describe(`storage repositories on ${name}`, () => {
    test('an empty channel has no tip, no blocks and no safety record', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      assert.equal(await ch.blocks.lastCommitted(), undefined);
      await assertNotCommitted(ch, block(0));
      assert.equal(await ch.safety.get(), undefined);
      assert.equal(await ch.state.get(enc('shared')), undefined);
      await store.close();
    });

    test('commitBlock makes the whole block readable through every repository', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      for (const h of [0, 1]) {
        const c = block(h);
        assert.deepEqual(await ch.commitBlock(c), { height: h, hash: c.hash });
        assert.deepEqual(await ch.blocks.lastCommitted(), { height: h, hash: c.hash });
        assert.deepEqual(await ch.blocks.getHashByHeight(h), c.hash);
        assert.deepEqual(await ch.blocks.getBlockBytes(c.hash), c.blockBytes);
        assert.deepEqual(await ch.blocks.getCommitProof(h), c.commitProof);
        for (const [index, tx] of c.transactions.entries()) {
          const rec = { height: h, index, txBytes: tx.bytes, receiptBytes: tx.receiptBytes };
          assert.deepEqual(await ch.transactions.get(tx.hash), rec);
        }
        assert.deepEqual(await ch.logNodes.getNode(0, h), c.logNodes[0]!.hash);
        assert.deepEqual(await ch.state.get(enc('shared')), enc(`a/${h}`));
      }
      assert.deepEqual(await ch.state.get(enc('only/0')), enc('x'));
      await store.close();
    });

    test('a null state write deletes; a block without commit proof stores none', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      await ch.commitBlock(block(0));
      const { commitProof: _dropped, ...b1 } = block(1);
      await ch.commitBlock({ ...b1, stateWrites: [{ key: enc('shared'), value: null }] });
      assert.equal(await ch.state.get(enc('shared')), undefined);
      assert.deepEqual(await ch.state.get(enc('only/0')), enc('x'));
      assert.equal(await ch.blocks.getCommitProof(1), undefined);
      await store.close();
    });

    test('refuses any height but last + 1 and writes nothing when it does', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      await assert.rejects(ch.commitBlock(block(1)), isCode('STORAGE_COMMIT_OUT_OF_ORDER'));
      await assertNotCommitted(ch, block(1));
      await ch.commitBlock(block(0));
      await assert.rejects(ch.commitBlock(block(0, 'b')), isCode('STORAGE_COMMIT_OUT_OF_ORDER'));
      await assert.rejects(ch.commitBlock(block(2)), isCode('STORAGE_COMMIT_OUT_OF_ORDER'));
      await assertNotCommitted(ch, block(0, 'b'));
      await assertNotCommitted(ch, block(2));
      assert.deepEqual(await ch.state.get(enc('shared')), enc('a/0'));
      assert.equal((await ch.blocks.lastCommitted())?.height, 0);
      await store.close();
    });

    test('concurrent commits are serialized: exactly one of two blocks at one height wins', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      const results = await Promise.allSettled([
        ch.commitBlock(block(0)),
        ch.commitBlock(block(0, 'b')),
        ch.commitBlock(block(1)),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.deepEqual(await ch.blocks.getHashByHeight(0), block(0).hash);
      await assertNotCommitted(ch, block(0, 'b'));
      await store.close();
    });

    test('refuses a transaction hash already committed, in an earlier block or twice in one', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      await ch.commitBlock(block(0));
      const replay = { ...block(1), transactions: [...block(1).transactions, block(0).transactions[1]!] };
      await assert.rejects(ch.commitBlock(replay), isCode('STORAGE_DUPLICATE_TX'));
      const twice = { ...block(1), transactions: [block(1).transactions[0]!, block(1).transactions[0]!] };
      await assert.rejects(ch.commitBlock(twice), isCode('STORAGE_DUPLICATE_TX'));
      await assertNotCommitted(ch, block(1));
      assert.equal((await ch.transactions.get(block(0).transactions[1]!.hash))?.height, 0);
      await store.close();
    });

    test('refuses malformed commits before writing anything', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      const b = block(0);
      const bad: BlockCommit[] = [
        { ...b, hash: b.hash.subarray(1) },
        { ...b, height: -1 },
        { ...b, height: 0.5 },
        { ...b, transactions: [{ ...b.transactions[0]!, hash: new Uint8Array(33) }] },
        { ...b, stateWrites: [b.stateWrites[0]!, { key: enc('shared'), value: null }] },
        { ...b, logNodes: [{ level: 64, index: 0, hash: b.hash }] },
        { ...b, logNodes: [{ level: 0, index: 0, hash: new Uint8Array(31) }] },
        { ...b, logNodes: [b.logNodes[0]!, b.logNodes[0]!] },
      ];
      for (const commit of bad) {
        await assert.rejects(ch.commitBlock(commit), isCode('STORAGE_INVALID_ARGUMENT'));
      }
      assert.equal(await ch.blocks.lastCommitted(), undefined);
      await assert.rejects(ch.blocks.getBlockBytes(new Uint8Array(4)), isCode('STORAGE_INVALID_ARGUMENT'));
      await assert.rejects(ch.transactions.get(new Uint8Array(4)), isCode('STORAGE_INVALID_ARGUMENT'));
      await store.close();
    });

    test('a commit is one synced batch; a safety record put is synced', async () => {
      const store = await open();
      const recording = new RecordingStore(store);
      const ch = new ChannelStorage(recording, 'kofia');
      await ch.commitBlock(block(0, 'a', 150));
      assert.equal(recording.writes.length, 1);
      assert.deepEqual(recording.writes[0]!.options, { sync: true });
      // block + height index + proof + 150 txs + 2 state writes + 1 log node + meta
      assert.equal(recording.writes[0]!.operations.length, 3 + 150 + 2 + 1 + 1);
      await ch.safety.put(Uint8Array.of(1, 2, 3));
      assert.deepEqual(recording.writes[1]!.options, { sync: true });
      assert.deepEqual(await ch.safety.get(), Uint8Array.of(1, 2, 3));
      await ch.safety.put(Uint8Array.of(4));
      assert.deepEqual(await ch.safety.get(), Uint8Array.of(4));
      await store.close();
    });

    test('channels are separate namespaces of one database', async () => {
      const store = await open();
      const kofia = new ChannelStorage(store, 'kofia');
      const chat = new ChannelStorage(store, 'chat');
      await kofia.commitBlock(block(0));
      await kofia.safety.put(Uint8Array.of(9));
      assert.equal(await chat.blocks.lastCommitted(), undefined);
      assert.equal(await chat.state.get(enc('shared')), undefined);
      assert.equal(await chat.safety.get(), undefined);
      // The same transaction may be committed on two channels: replay protection is per chain.
      await chat.commitBlock({ ...block(0, 'c'), transactions: block(0).transactions });
      assert.deepEqual(await chat.state.get(enc('shared')), enc('c/0'));
      assert.deepEqual(await kofia.state.get(enc('shared')), enc('a/0'));
      assert.deepEqual((await kofia.blocks.lastCommitted())?.hash, block(0).hash);
      await store.close();
    });

    test('stored bytes do not alias the caller’s buffers', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      const c = block(0);
      await ch.commitBlock(c);
      c.blockBytes.fill(0);
      const read = await ch.blocks.getBlockBytes(c.hash);
      assert.deepEqual(read, enc('a/block/0'));
      read!.fill(1);
      assert.deepEqual(await ch.blocks.getBlockBytes(c.hash), enc('a/block/0'));
      await store.close();
    });

    test('corrupt records are typed errors, and a corrupt tip blocks commits instead of crashing', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      const c = block(0);
      await ch.commitBlock(c);
      const raw = channelStore(store, 'kofia');
      const put = (key: Uint8Array, value: Uint8Array) =>
        raw.write([{ type: 'put', key, value }], { sync: false });
      await put(txByHashKey(c.transactions[0]!.hash), Uint8Array.of(1, 0, 0));
      await put(blockHashByHeightKey(0), c.hash.subarray(0, 16));
      await put(logNodeKey(0, 0), new Uint8Array(0));
      await put(metaKey(), Uint8Array.of(1, 2, 3));
      const malformed = isCode('STORAGE_RECORD_MALFORMED');
      await assert.rejects(ch.transactions.get(c.transactions[0]!.hash), malformed);
      await assert.rejects(ch.blocks.getHashByHeight(0), malformed);
      await assert.rejects(ch.logNodes.getNode(0, 0), malformed);
      await assert.rejects(ch.blocks.lastCommitted(), malformed);
      await assert.rejects(ch.commitBlock(block(1)), malformed);
      assert.equal(await ch.blocks.getHashByHeight(1), undefined);
      assert.equal(await ch.transactions.get(block(1).transactions[0]!.hash), undefined);
      await store.close();
    });

    test('state entries iterate the committed state of one channel, in key order', async () => {
      const store = await open();
      const kofia = new ChannelStorage(store, 'kofia');
      const chat = new ChannelStorage(store, 'chat');
      const keys = ['b', 'a', 'a\u00ff', 'ab', '\u00ff\u00ff'].map((k) => Buffer.from(k, 'latin1'));
      await kofia.commitBlock({
        ...block(0),
        stateWrites: keys.map((k, i) => ({ key: new Uint8Array(k), value: enc(`v${i}`) })),
      });
      await kofia.commitBlock({ ...block(1), stateWrites: [{ key: new Uint8Array(keys[0]!), value: null }] });
      await chat.commitBlock(block(0, 'c'));
      const read = async (ch: ChannelStorage) => {
        const out: [string, string][] = [];
        for await (const e of ch.state.entries()) {
          out.push([Buffer.from(e.key).toString('latin1'), Buffer.from(e.value).toString()]);
        }
        return out;
      };
      assert.deepEqual(await read(kofia), [
        ['a', 'v1'],
        ['ab', 'v3'],
        ['a\u00ff', 'v2'],
        ['\u00ff\u00ff', 'v4'],
      ]);
      assert.deepEqual(await read(chat), [
        ['only/0', 'x'],
        ['shared', 'c/0'],
      ]);
      assert.deepEqual(await read(new ChannelStorage(store, 'empty')), []);
      await store.close();
    });

    test('a closed store answers STORAGE_CLOSED', async () => {
      const store = await open();
      const ch = new ChannelStorage(store, 'kofia');
      await store.close();
      await assert.rejects(ch.blocks.lastCommitted(), isCode('STORAGE_CLOSED'));
      await assert.rejects(ch.commitBlock(block(0)), isCode('STORAGE_CLOSED'));
      await assert.rejects(ch.safety.put(Uint8Array.of(1)), isCode('STORAGE_CLOSED'));
      await assert.rejects(async () => {
        for await (const _ of ch.state.entries());
      }, isCode('STORAGE_CLOSED'));
    });
  });
}
