/**
 * One time-limit watchdog for many sandbox runs (ADR 0003).
 *
 * Node's only way to stop a running script is the `timeout` option of `vm.Script#runInContext`, and it starts
 * and joins a watchdog thread on every call: 100–300 µs, more than a whole certificate issuance. A block
 * attempt therefore runs its transactions in batches, each batch inside ONE timed run (a tiny driver script in
 * a context of its own that calls back into the host); the sandbox runs inside it carry no `timeout` of their
 * own. A runaway SCORE is still stopped, by the batch's watchdog, and every run still has its own budget,
 * measured when it returns.
 *
 * What a shared watchdog cannot do is stop exactly one run at its budget: when it fires it terminates every
 * JavaScript frame inside the batch — host frames included, without their `finally` blocks — so the block
 * attempt's host state is no longer trustworthy. And a run that returns after its budget would have been cut
 * short by its own watchdog. In both cases the watchdog is marked `overrun`, the caller throws the attempt away
 * and executes the block again with a watchdog per run (the reference behaviour). A block in which nothing
 * reaches a time limit — every block of a healthy chain — is executed once, with one watchdog per batch.
 */
import vm from 'node:vm';
import { types } from 'node:util';

/** How long a batch goes on taking new work; each run in it then still has its whole budget before the watchdog. */
export const BATCH_WINDOW_MS = 50;

const driverContext = vm.createContext(Object.create(null) as object, { name: 'loopchain:batch' });
const driverScript = new vm.Script('this.batch()', { filename: 'loopchain:batch' });

export class SharedWatchdog {
  private depth = 0;
  private overran = false;

  /** True while a batch runs: sandbox runs then rely on this watchdog instead of starting their own. */
  get active(): boolean {
    return this.depth > 0;
  }

  /** True once a run reached its time limit under this watchdog, or the watchdog fired: redo the attempt. */
  get overrun(): boolean {
    return this.overran;
  }

  /** Records that a run reached its budget (the reference behaviour would have stopped it there). */
  markOverrun(): void {
    this.overran = true;
  }

  /**
   * Runs `body` under one watchdog of `timeoutMs`. Returns false when the watchdog fired: `body` was cut short
   * anywhere, its effects are half done, and the attempt is marked overrun. Errors `body` throws pass through.
   */
  run(timeoutMs: number, body: () => void): boolean {
    if (this.depth > 0) {
      body(); // already under this watchdog
      return !this.overran;
    }
    const timeout = Math.max(1, Math.ceil(timeoutMs));
    const start = performance.now();
    this.depth++;
    (driverContext as { batch?: () => void }).batch = body;
    try {
      driverScript.runInContext(driverContext, { timeout, breakOnSigint: false });
      return !this.overran;
    } catch (e) {
      // The driver context holds no SCORE code, so reading the error is safe.
      const code = types.isNativeError(e) ? (e as { code?: unknown }).code : undefined;
      if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' || performance.now() - start >= timeout) {
        this.overran = true;
        return false;
      }
      throw e;
    } finally {
      (driverContext as { batch?: () => void }).batch = undefined;
      this.depth--;
    }
  }
}
