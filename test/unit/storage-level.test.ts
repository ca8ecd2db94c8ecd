/** LevelStore on its own: opening, locking, damaged files and the translation of LevelDB errors. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelStorage } from '../../src/storage/channel-storage.js';
import { isStorageError, type StorageErrorCode } from '../../src/storage/errors.js';
import { LevelStore, type LevelDatabase } from '../../src/storage/level-store.js';
import type { KvOperation } from '../../src/storage/store.js';

const root = mkdtempSync(join(tmpdir(), 'lc-storage-level-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `db${dirs++}`);
const isCode = (c: StorageErrorCode) => (e: unknown) => isStorageError(e, c);
const key = Uint8Array.of(1, 2);

test('data written and closed is there after reopening', async () => {
  const dir = freshDir();
  const store = await LevelStore.open(dir);
  await store.write([{ type: 'put', key, value: Uint8Array.of(42) }], { sync: true });
  await store.close();
  const again = await LevelStore.open(dir);
  assert.deepEqual(await again.get(key), Uint8Array.of(42));
  await again.write([{ type: 'del', key }], { sync: false });
  assert.equal(await again.get(key), undefined);
  await again.close();
});

test('a database already open elsewhere is STORAGE_LOCKED, and opens once released', async () => {
  const dir = freshDir();
  const first = await LevelStore.open(dir);
  await assert.rejects(LevelStore.open(dir), (e: unknown) => {
    assert.ok(isStorageError(e, 'STORAGE_LOCKED'));
    assert.equal(e.detail.location, dir);
    assert.match(e.message, /lock/i);
    return true;
  });
  await first.close();
  const second = await LevelStore.open(dir);
  await second.close();
});

test('a path that cannot hold a database is STORAGE_OPEN_FAILED', async () => {
  const file = join(root, 'plain-file');
  writeFileSync(file, 'not a directory');
  await assert.rejects(LevelStore.open(join(file, 'db')), isCode('STORAGE_OPEN_FAILED'));
});

test('damaged LevelDB files are STORAGE_CORRUPTION, not a crash', async () => {
  const dir = freshDir();
  const store = await LevelStore.open(dir);
  await store.write([{ type: 'put', key, value: key }], { sync: true });
  await store.close();
  writeFileSync(join(dir, 'CURRENT'), 'garbage without newline');
  await assert.rejects(LevelStore.open(dir), isCode('STORAGE_CORRUPTION'));
});

/** A stand-in database that fails the way classic-level does, to pin the error translation. */
function failingDb(
  failure: { code: string; cause?: { code: string } },
  on: 'open' | 'get' | 'batch' | 'iterator',
) {
  const fail = () => Promise.reject(Object.assign(new Error('level failed'), failure));
  const seen: { sync?: boolean }[] = [];
  const db: LevelDatabase = {
    open: () => (on === 'open' ? fail() : Promise.resolve()),
    close: () => Promise.resolve(),
    get: () => (on === 'get' ? fail() : Promise.resolve(undefined)),
    batch: (_ops: KvOperation[], options: { sync?: boolean }) => {
      seen.push(options);
      return on === 'batch' ? fail() : Promise.resolve();
    },
    iterator: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => (on === 'iterator' ? fail() : Promise.resolve({ done: true as const, value: undefined })),
      }),
    }),
  };
  return { db, seen };
}

test('LevelDB errors map to storage codes', async () => {
  const cases: [Parameters<typeof failingDb>[0], Parameters<typeof failingDb>[1], StorageErrorCode][] = [
    [{ code: 'LEVEL_DATABASE_NOT_OPEN', cause: { code: 'LEVEL_LOCKED' } }, 'open', 'STORAGE_LOCKED'],
    [{ code: 'LEVEL_DATABASE_NOT_OPEN', cause: { code: 'LEVEL_CORRUPTION' } }, 'open', 'STORAGE_CORRUPTION'],
    [{ code: 'LEVEL_DATABASE_NOT_OPEN', cause: { code: 'LEVEL_IO_ERROR' } }, 'open', 'STORAGE_OPEN_FAILED'],
    [{ code: 'LEVEL_DATABASE_NOT_OPEN' }, 'get', 'STORAGE_CLOSED'],
    [{ code: 'LEVEL_CORRUPTION' }, 'get', 'STORAGE_CORRUPTION'],
    [{ code: 'LEVEL_IO_ERROR' }, 'batch', 'STORAGE_IO'],
    [{ code: 'LEVEL_CORRUPTION' }, 'iterator', 'STORAGE_CORRUPTION'],
  ];
  for (const [failure, on, expected] of cases) {
    const { db } = failingDb(failure, on);
    const attempt = async () => {
      const store = await LevelStore.wrap(db, '/x');
      if (on === 'get') await store.get(key);
      else if (on === 'iterator') for await (const _ of store.entries(key));
      else await store.write([{ type: 'put', key, value: key }], { sync: true });
    };
    await assert.rejects(attempt(), isCode(expected), `${JSON.stringify(failure)} on ${on}`);
  }
});

test('commits and safety records reach LevelDB with sync: true', async () => {
  const { db, seen } = failingDb({ code: 'unused' }, 'open');
  db.open = () => Promise.resolve();
  const ch = new ChannelStorage(await LevelStore.wrap(db), 'kofia');
  await ch.safety.put(Uint8Array.of(1));
  const hash = new Uint8Array(32);
  await ch.commitBlock({ height: 0, hash, blockBytes: key, transactions: [], stateWrites: [], logNodes: [] });
  assert.deepEqual(seen, [{ sync: true }, { sync: true }]);
});
