/**
 * The narrow controller every repository depends on: point reads and one atomic batch. Nothing else of
 * LevelDB leaks upward, so the same repositories run on LevelDB (level-store.ts, also over memory-level)
 * and on a plain Map (memory-store.ts).
 */
import { channelPrefix } from './keys.js';

export type KvOperation =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

export interface WriteOptions {
  /** fsync before resolving. Needed when the write must survive a power loss, not only a process kill. */
  readonly sync: boolean;
}

export interface KvEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface KeyValueStore {
  /** Resolves undefined for a missing key. */
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * Every entry whose key starts with `prefix`, in ascending key order, keys in full. For reading a whole key
   * space at start-up (the SCORE state); writes made while iterating may or may not be seen.
   */
  entries(prefix: Uint8Array): AsyncIterable<KvEntry>;
  /** Applies every operation or none, also across a crash; operations apply in order. */
  write(operations: readonly KvOperation[], options: WriteOptions): Promise<void>;
}

/** A store that owns its database handle. */
export interface StorageController extends KeyValueStore {
  close(): Promise<void>;
}

/**
 * A view of `store` under a key prefix. Writes pass through as one batch of the parent, so a view keeps
 * the atomicity of the database it sits on.
 */
export class NamespacedStore implements KeyValueStore {
  constructor(
    private readonly parent: KeyValueStore,
    private readonly prefix: Uint8Array,
  ) {}

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.parent.get(this.full(key));
  }

  async *entries(prefix: Uint8Array): AsyncIterable<KvEntry> {
    for await (const { key, value } of this.parent.entries(this.full(prefix))) {
      yield { key: key.slice(this.prefix.length), value };
    }
  }

  write(operations: readonly KvOperation[], options: WriteOptions): Promise<void> {
    return this.parent.write(
      operations.map((op) =>
        op.type === 'put'
          ? { type: 'put', key: this.full(op.key), value: op.value }
          : { type: 'del', key: this.full(op.key) },
      ),
      options,
    );
  }

  private full(key: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.prefix.length + key.length);
    out.set(this.prefix);
    out.set(key, this.prefix.length);
    return out;
  }
}

/** The namespace of one channel (keys.ts describes the layout). */
export function channelStore(root: KeyValueStore, channel: string): KeyValueStore {
  return new NamespacedStore(root, channelPrefix(channel));
}

/** The smallest key above every key that starts with `prefix`; undefined when there is none (all 0xff). */
export function prefixUpperBound(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const out = prefix.slice(0, i + 1);
      out[i]! += 1;
      return out;
    }
  }
  return undefined;
}
