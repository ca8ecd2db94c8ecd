/**
 * A Map-backed controller for unit tests and the simulator: same contract as LevelStore (atomic ordered
 * batches, undefined for missing keys, STORAGE_CLOSED after close) with no native code and no disk.
 * Values are copied in and out, as LevelDB does, so a caller mutating its buffer cannot change the store.
 */
import { StorageError } from './errors.js';
import type { KvEntry, KvOperation, StorageController, WriteOptions } from './store.js';

export class MemoryStore implements StorageController {
  // Keys as latin1 strings: one char per byte, so the Map compares keys exactly as LevelDB would.
  private readonly data = new Map<string, Uint8Array>();
  private open = true;

  /** How many entries the store holds; tests use it to prove a refused write left nothing behind. */
  get size(): number {
    return this.data.size;
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.assertOpen('get');
    const value = this.data.get(mapKey(key));
    return value === undefined ? undefined : value.slice();
  }

  async *entries(prefix: Uint8Array): AsyncIterable<KvEntry> {
    this.assertOpen('entries');
    const start = mapKey(prefix);
    // latin1 strings compare char by char like the bytes they hold, so this is LevelDB's key order.
    const keys = [...this.data.keys()].filter((k) => k.startsWith(start)).sort();
    for (const k of keys) {
      const value = this.data.get(k);
      if (value !== undefined) yield { key: new Uint8Array(Buffer.from(k, 'latin1')), value: value.slice() };
    }
  }

  async write(operations: readonly KvOperation[], _options: WriteOptions): Promise<void> {
    this.assertOpen('write');
    // Prepare every operation before applying any, so a bad one leaves the store untouched.
    const prepared = operations.map((op) => ({
      key: mapKey(op.key),
      value: op.type === 'put' ? op.value.slice() : undefined,
    }));
    for (const { key, value } of prepared) {
      if (value === undefined) this.data.delete(key);
      else this.data.set(key, value);
    }
  }

  async close(): Promise<void> {
    this.open = false;
  }

  private assertOpen(operation: string): void {
    if (!this.open) {
      throw new StorageError('STORAGE_CLOSED', `storage ${operation} failed: the memory store is closed`, {
        operation,
      });
    }
  }
}

function mapKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
