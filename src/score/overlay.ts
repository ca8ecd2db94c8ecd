/**
 * A channel's SCORE state in memory (docs/adr/0002): the committed base, loaded from storage at start, under
 * copy-on-write overlays.
 *
 *   CommittedState ← BlockOverlay (block h) ← BlockOverlay (block h+1, a child of an uncommitted block) …
 *   BlockOverlay   ← TxOverlay (one transaction: merged on success, dropped on failure)
 *   any view       ← TxOverlay (a query's scratch space, never merged)
 *
 * Keys and values are strings (UTF-8 in storage); a null write deletes. An abandoned block is simply dropped:
 * nothing below it ever saw its writes. When a block commits, its writes move into the base and its overlay
 * becomes a transparent link, so children built on it keep reading the same values.
 */
import { ScoreError } from './errors.js';
import { chainStateRoot, EMPTY_STATE_ROOT, encodeWrites } from './state-root.js';
import type { StateWrite } from '../storage/channel-storage.js';

export interface StateReader {
  /** undefined when the key is absent. */
  get(key: string): string | undefined;
}

/** The state after a block: what blocks are applied on and queries read. */
export interface StateView extends StateReader {
  /** Height of the block this is the state after; -1 before genesis. */
  readonly height: number;
  readonly stateRoot: Uint8Array;
}

/** What CommittedState.load reads: every state entry of the channel (StateRepository.entries). */
export interface StateSource {
  entries(): AsyncIterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function outOfOrder(message: string): never {
  throw new ScoreError('STATE_OUT_OF_ORDER', message);
}

export class CommittedState implements StateView {
  private constructor(
    private readonly entries: Map<string, string>,
    private currentHeight: number,
    private currentRoot: Uint8Array,
  ) {}

  static empty(): CommittedState {
    return new CommittedState(new Map(), -1, EMPTY_STATE_ROOT);
  }

  /** Reads the whole committed state; `tip` is the last committed block's height and stateRoot. */
  static async load(
    source: StateSource,
    tip: { height: number; stateRoot: Uint8Array },
  ): Promise<CommittedState> {
    const entries = new Map<string, string>();
    for await (const { key, value } of source.entries()) {
      try {
        entries.set(UTF8.decode(key), UTF8.decode(value));
      } catch {
        throw new ScoreError('INVALID_ARGUMENT', 'a stored state entry is not UTF-8: the state is damaged');
      }
    }
    return new CommittedState(entries, tip.height, tip.stateRoot.slice());
  }

  get height(): number {
    return this.currentHeight;
  }

  get stateRoot(): Uint8Array {
    return this.currentRoot;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  /**
   * Moves a committed block's writes into the base. Call it once the block's storage batch is durable; the
   * block must be the next height and sit directly on this base (its parent committed before it).
   */
  apply(block: BlockOverlay): void {
    if (!block.isSealed) outOfOrder('only a sealed block overlay can be committed');
    if (block.height !== this.currentHeight + 1 || uncommittedParent(block) !== this) {
      outOfOrder(`block ${block.height} does not extend the committed state at ${this.currentHeight}`);
    }
    for (const [key, value] of block.entries()) {
      if (value === null) this.entries.delete(key);
      else this.entries.set(key, value);
    }
    this.currentHeight = block.height;
    this.currentRoot = block.stateRoot;
    block.markCommitted(this);
  }
}

/** The parent of `block`, skipping overlays that are already committed (transparent links). */
function uncommittedParent(block: BlockOverlay): StateView {
  let p = block.parent;
  while (p instanceof BlockOverlay && p.isCommitted) p = p.parent;
  return p;
}

/**
 * Throws STATE_OUT_OF_ORDER unless `view` can be built on: its uncommitted overlays are sealed and reach the
 * committed base without a gap. A branch whose sibling was committed fails here: it is abandoned.
 */
export function checkViewChain(view: StateView): void {
  let oldest: BlockOverlay | undefined;
  let p: StateView = view;
  while (p instanceof BlockOverlay) {
    if (!p.isCommitted) {
      if (!p.isSealed) outOfOrder(`block overlay ${p.height} is not sealed`);
      oldest = p;
    }
    p = p.parent;
  }
  const expected = oldest === undefined ? view.height : oldest.height - 1;
  if (p.height !== expected) outOfOrder(`the state at height ${view.height} was abandoned`);
}

export class BlockOverlay implements StateView {
  private readonly writes = new Map<string, string | null>();
  private status: 'open' | 'sealed' | 'committed' = 'open';
  private root: Uint8Array | undefined;
  private base: StateView;

  constructor(
    parent: StateView,
    readonly height: number,
  ) {
    if (height !== parent.height + 1) {
      throw new ScoreError('INVALID_ARGUMENT', `height ${height} does not follow ${parent.height}`);
    }
    checkViewChain(parent);
    this.base = parent;
  }

  get parent(): StateView {
    return this.base;
  }

  get isSealed(): boolean {
    return this.status !== 'open';
  }

  get isCommitted(): boolean {
    return this.status === 'committed';
  }

  get stateRoot(): Uint8Array {
    if (this.root === undefined) outOfOrder(`block overlay ${this.height} is not sealed`);
    return this.root;
  }

  get(key: string): string | undefined {
    const w = this.writes.get(key);
    if (w === undefined) return this.base.get(key);
    return w === null ? undefined : w;
  }

  set(key: string, value: string | null): void {
    if (this.status !== 'open') outOfOrder(`block overlay ${this.height} is sealed`);
    this.writes.set(key, value);
  }

  beginTx(): TxOverlay {
    if (this.status !== 'open') outOfOrder(`block overlay ${this.height} is sealed`);
    return new TxOverlay(this);
  }

  /** Takes a successful transaction's writes. */
  merge(tx: TxOverlay): void {
    if (tx.parent !== this)
      throw new ScoreError('INVALID_ARGUMENT', 'the transaction overlay is not over this block');
    for (const [key, value] of tx.entries()) this.set(key, value);
  }

  /** Ends the block: no more writes; computes and returns the state root. */
  seal(): Uint8Array {
    if (this.status !== 'open') outOfOrder(`block overlay ${this.height} is already sealed`);
    this.status = 'sealed';
    this.root = chainStateRoot(this.base.stateRoot, this.writeSet());
    return this.root;
  }

  /** The block's write set as storage takes it, sorted by key bytes. */
  writeSet(): StateWrite[] {
    return encodeWrites(this.writes);
  }

  entries(): IterableIterator<[string, string | null]> {
    return this.writes.entries();
  }

  get writeCount(): number {
    return this.writes.size;
  }

  /** @internal Called by CommittedState.apply: the writes now live in the base. */
  markCommitted(base: CommittedState): void {
    this.status = 'committed';
    this.writes.clear();
    this.base = base;
  }
}

export class TxOverlay implements StateReader {
  private readonly writes = new Map<string, string | null>();

  constructor(readonly parent: StateReader) {}

  get(key: string): string | undefined {
    const w = this.writes.get(key);
    if (w === undefined) return this.parent.get(key);
    return w === null ? undefined : w;
  }

  set(key: string, value: string | null): void {
    this.writes.set(key, value);
  }

  entries(): IterableIterator<[string, string | null]> {
    return this.writes.entries();
  }

  get writeCount(): number {
    return this.writes.size;
  }
}

/**
 * The storage form of a sealed block's writes, for `BlockCommit.stateWrites`. Pure: once the batch is
 * durable, `CommittedState.apply(block)` moves the writes into the in-memory base.
 */
export function commit(block: BlockOverlay): StateWrite[] {
  if (!block.isSealed || block.isCommitted)
    outOfOrder('only a sealed, uncommitted block overlay can be committed');
  const parent = uncommittedParent(block);
  if (!(parent instanceof CommittedState) || parent.height !== block.height - 1) {
    outOfOrder(`block ${block.height} cannot commit before its parent`);
  }
  return block.writeSet();
}
