/**
 * Virtual time for the simulator: a binary heap of timed actions. Ties at one instant run in the order
 * they were scheduled (a sequence number), so a run depends only on its seed, never on heap layout.
 */

export interface Scheduled {
  readonly at: number;
  readonly seq: number;
  /**
   * Shown by `--trace` (lazily: most runs never print it). Deliveries to nodes have none: the node
   * traces each event it actually receives.
   */
  readonly describe: (() => string) | undefined;
  readonly run: () => void;
}

export class EventQueue {
  private heap: Scheduled[] = [];
  private seq = 0;
  /** Virtual milliseconds since the start of the run. */
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  at(time: number, describe: (() => string) | undefined, run: () => void): void {
    this.push({ at: Math.max(time, this.now), seq: this.seq++, describe, run });
  }

  after(delayMs: number, describe: (() => string) | undefined, run: () => void): void {
    this.at(this.now + delayMs, describe, run);
  }

  /** Removes the earliest action and advances the clock to it; undefined when nothing is left. */
  pop(): Scheduled | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    this.now = top.at;
    return top;
  }

  private before(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(item: Scheduled): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && this.before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && this.before(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
}
