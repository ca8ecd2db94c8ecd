/**
 * An in-memory stand-in for the sandbox bridge (`globalThis.__loopchain`), so SCORE classes can be unit-tested
 * without the runtime: storage is a Map namespaced by the SCORE address, the context is settable, and events
 * and system calls are captured. `tx` mirrors the runtime's rollback (a throw undoes writes, events and
 * system calls); `query` mirrors icx_call (no sender, no tx hash, and any write fails the test). The host's
 * size limits (storage key and value length, events per call, event value length) fail the test when crossed.
 */
import assert from 'node:assert/strict';
import { DEFAULT_SCORE_LIMITS, type ScoreLimits } from '../../src/score/limits.js';
import { ScoreRevert, type Bridge, type ScoreContext } from '../../src/score/sdk/index.js';

export interface CapturedEvent {
  readonly score: string;
  readonly event: string;
  readonly indexed: readonly string[];
  readonly data: readonly string[];
}

export interface CapturedSystemCall {
  readonly score: string;
  readonly operation: string;
  readonly argsJson: string;
}

/** Answers a system call; throw to make the host refuse it. */
export type SystemHandler = (operation: string, argsJson: string) => string;

export const DEFAULT_SCORE = `cx${'5'.repeat(40)}`;

/** A deterministic hx address for tests: `account(1)` is `hx000…01`. */
export function account(n: number): string {
  return `hx${n.toString(16).padStart(40, '0')}`;
}

export class FakeBridge implements Bridge {
  readonly store = new Map<string, string>();
  events: CapturedEvent[] = [];
  systemCalls: CapturedSystemCall[] = [];
  systemHandler: SystemHandler = () => '';
  pkiHandler: SystemHandler = () => assert.fail('no pki handler');
  governanceHandler: SystemHandler = () => 'null';
  ctx: ScoreContext = {
    channel: 'test',
    address: DEFAULT_SCORE,
    height: 10n,
    timestamp: 1_700_000_000_000_000n,
    parentHash: `0x${'ab'.repeat(32)}`,
    txHash: undefined,
    sender: undefined,
  };
  private readOnly = false;
  private txCounter = 0;
  private eventsInCall = 0;
  private previous: unknown;

  constructor(readonly limits: ScoreLimits = DEFAULT_SCORE_LIMITS) {}

  install(): this {
    const g = globalThis as { __loopchain?: unknown };
    this.previous = g.__loopchain;
    g.__loopchain = this;
    return this;
  }

  uninstall(): void {
    (globalThis as { __loopchain?: unknown }).__loopchain = this.previous;
  }

  /** Moves the chain to another block (height and a timestamp one second per block). */
  atHeight(height: bigint): this {
    this.ctx = { ...this.ctx, height, timestamp: 1_700_000_000_000_000n + height * 1_000_000n };
    return this;
  }

  get(key: string): string | null {
    return this.store.get(this.scoped(key)) ?? null;
  }

  set(key: string, value: string | null): void {
    if (this.readOnly) assert.fail(`readonly call wrote ${key}`);
    assert.ok(key.length <= this.limits.maxKeyLength, `storage key of ${key.length} characters`);
    assert.ok(
      value === null || value.length <= this.limits.maxValueLength,
      `storage value too long at ${key}`,
    );
    if (value === null) this.store.delete(this.scoped(key));
    else this.store.set(this.scoped(key), value);
  }

  emit(event: string, indexed: readonly string[], data: readonly string[]): void {
    if (this.readOnly) assert.fail(`readonly call emitted ${event}`);
    this.eventsInCall += 1;
    assert.ok(
      this.eventsInCall <= this.limits.maxEventsPerCall,
      `more than ${this.limits.maxEventsPerCall} events`,
    );
    for (const v of [...indexed, ...data])
      assert.ok(v.length <= this.limits.maxEventValueLength, `${event} value of ${v.length} characters`);
    this.events.push({ score: this.ctx.address, event, indexed: [...indexed], data: [...data] });
  }

  context(): ScoreContext {
    return this.ctx;
  }

  system(operation: string, argsJson: string): string {
    if (this.readOnly) assert.fail(`readonly call made system call ${operation}`);
    const result = this.systemHandler(operation, argsJson);
    this.systemCalls.push({ score: this.ctx.address, operation, argsJson });
    return result;
  }

  pki(operation: string, argsJson: string): string {
    return this.pkiHandler(operation, argsJson);
  }

  governance(query: string, argsJson: string): string {
    return this.governanceHandler(query, argsJson);
  }

  /** Runs fn as a transaction from sender; a throw rolls back storage, events and system calls. */
  tx<T>(sender: string, fn: () => T): T {
    const snapshot = new Map(this.store);
    const events = this.events.length;
    const calls = this.systemCalls.length;
    this.txCounter += 1;
    const saved = this.ctx;
    this.ctx = { ...saved, sender, txHash: `0x${this.txCounter.toString(16).padStart(64, '0')}` };
    this.eventsInCall = 0;
    try {
      return fn();
    } catch (e) {
      this.store.clear();
      for (const [k, v] of snapshot) this.store.set(k, v);
      this.events.length = events;
      this.systemCalls.length = calls;
      throw e;
    } finally {
      this.ctx = saved;
    }
  }

  /** Runs fn as an icx_call: no sender, no tx hash, and it must not write, emit or make system calls. */
  query<T>(fn: () => T): T {
    const saved = this.ctx;
    this.ctx = { ...saved, sender: undefined, txHash: undefined };
    this.readOnly = true;
    try {
      return fn();
    } finally {
      this.readOnly = false;
      this.ctx = saved;
    }
  }

  /** Asserts that the transaction reverts with `code` (and a message matching `message`) and changes nothing. */
  expectRevert(sender: string, fn: () => unknown, code: string, message?: RegExp): void {
    const before = new Map(this.store);
    const events = this.events.length;
    const calls = this.systemCalls.length;
    assert.throws(
      () => this.tx(sender, fn),
      (e: unknown) => {
        assert.ok(e instanceof ScoreRevert, `expected a ScoreRevert, got ${String(e)}`);
        assert.equal(e.code, code, `revert code (message: ${e.message})`);
        if (message !== undefined) assert.match(e.message, message);
        return true;
      },
    );
    assert.deepEqual(this.store, before, 'a reverted transaction leaves storage unchanged');
    assert.equal(this.events.length, events);
    assert.equal(this.systemCalls.length, calls);
  }

  /** Asserts that a readonly call reverts with `code`. */
  expectQueryRevert(fn: () => unknown, code: string, message?: RegExp): void {
    assert.throws(
      () => this.query(fn),
      (e: unknown) => {
        assert.ok(e instanceof ScoreRevert, `expected a ScoreRevert, got ${String(e)}`);
        assert.equal(e.code, code, `revert code (message: ${e.message})`);
        if (message !== undefined) assert.match(e.message, message);
        return true;
      },
    );
  }

  /** Events captured since index `from`, as [name, indexed, data] triples for compact assertions. */
  eventsSince(from: number): [string, string[], string[]][] {
    return this.events.slice(from).map((e) => [e.event, [...e.indexed], [...e.data]]);
  }

  private scoped(key: string): string {
    return `${this.ctx.address}/${key}`;
  }
}
