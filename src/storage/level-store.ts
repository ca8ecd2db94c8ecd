/**
 * The LevelDB controller: opens `level` (classic-level on Node) with raw byte keys and values and
 * translates its errors into StorageError once, here, so no caller ever looks at a LEVEL_* code.
 */
import { Level } from 'level';
import { StorageError, type StorageErrorCode } from './errors.js';
import {
  prefixUpperBound,
  type KvEntry,
  type KvOperation,
  type StorageController,
  type WriteOptions,
} from './store.js';

/**
 * The part of an abstract-level database this controller uses. `Level` satisfies it, and so does
 * `MemoryLevel` (memory-level), which is how unit tests run the LevelDB code path without a disk.
 * The database must be created with `keyEncoding: 'view', valueEncoding: 'view'`.
 */
export interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  batch(operations: KvOperation[], options: { sync?: boolean }): Promise<void>;
  iterator(options: { gte: Uint8Array; lt?: Uint8Array }): AsyncIterable<[Uint8Array, Uint8Array]>;
}

export class LevelStore implements StorageController {
  private constructor(
    private readonly db: LevelDatabase,
    readonly location: string,
  ) {}

  /**
   * Opens (creating if missing) the LevelDB at `location`.
   * Throws STORAGE_LOCKED when another process or handle holds it, STORAGE_CORRUPTION when LevelDB finds
   * its files damaged, STORAGE_OPEN_FAILED otherwise.
   */
  static open(location: string): Promise<LevelStore> {
    const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
    return LevelStore.wrap(db, location);
  }

  /** Opens an already constructed database, e.g. a MemoryLevel in tests. */
  static async wrap(db: LevelDatabase, location = '(memory)'): Promise<LevelStore> {
    try {
      await db.open();
    } catch (e) {
      throw translate(e, 'open', location);
    }
    return new LevelStore(db, location);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    let value: Uint8Array | undefined;
    try {
      value = await this.db.get(key);
    } catch (e) {
      throw translate(e, 'get', this.location);
    }
    // A plain Uint8Array copy: both backends hand out Buffers even with 'view', and memory-level hands out
    // its own stored buffer, which a caller must not be able to change.
    return value === undefined ? undefined : new Uint8Array(value);
  }

  async *entries(prefix: Uint8Array): AsyncIterable<KvEntry> {
    const upper = prefixUpperBound(prefix);
    try {
      const range = upper === undefined ? { gte: prefix } : { gte: prefix, lt: upper };
      for await (const [key, value] of this.db.iterator(range)) {
        yield { key: new Uint8Array(key), value: new Uint8Array(value) };
      }
    } catch (e) {
      throw translate(e, 'entries', this.location);
    }
  }

  async write(operations: readonly KvOperation[], options: WriteOptions): Promise<void> {
    if (operations.length === 0) return;
    try {
      // Values are copied for the same reason: memory-level would keep a reference to the caller's buffer.
      const copied = operations.map((op) => (op.type === 'put' ? { ...op, value: op.value.slice() } : op));
      await this.db.batch(copied, { sync: options.sync });
    } catch (e) {
      throw translate(e, 'write', this.location);
    }
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
    } catch (e) {
      throw translate(e, 'close', this.location);
    }
  }
}

type Operation = 'open' | 'get' | 'entries' | 'write' | 'close';

/** Maps abstract-level / LevelDB errors (which carry the LevelDB status in `cause`) to our codes. */
function translate(e: unknown, operation: Operation, location: string): StorageError {
  if (e instanceof StorageError) return e;
  const outer = levelCode(e);
  const cause = e instanceof Error ? levelCode(e.cause) : undefined;
  const levelStatus = cause ?? outer;
  let code: StorageErrorCode;
  if (levelStatus === 'LEVEL_LOCKED') code = 'STORAGE_LOCKED';
  else if (levelStatus === 'LEVEL_CORRUPTION') code = 'STORAGE_CORRUPTION';
  else if (operation === 'open') code = 'STORAGE_OPEN_FAILED';
  else if (outer === 'LEVEL_DATABASE_NOT_OPEN') code = 'STORAGE_CLOSED';
  else code = 'STORAGE_IO';
  const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  return new StorageError(code, `storage ${operation} failed at ${location}: ${reason}`, {
    location,
    operation,
    levelCode: levelStatus,
  });
}

function levelCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}
