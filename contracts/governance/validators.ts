/**
 * The validator-set schedule as governance decided it: the genesis set (from height 0) and every change,
 * each effective from a stated height, in increasing height order. The consensus engine learns of a change
 * through the `setValidators` system call; this record answers `getValidators` and guards role revocations.
 */
import { ArrayDB } from '../../src/score/sdk/index.js';
import { hex } from './fields.js';

/** Blocks that must pass between the block approving a change and the change taking effect. */
export const MIN_VALIDATOR_CHANGE_DELAY = 2n;

interface ValidatorSetRecord {
  readonly fromHeight: string;
  readonly validators: readonly string[];
}

export interface ValidatorSet {
  readonly fromHeight: bigint;
  readonly validators: readonly string[];
}

export class ValidatorSchedule {
  private readonly entries = new ArrayDB('validators.schedule', 'json');

  add(fromHeight: bigint, validators: readonly string[]): void {
    this.entries.push({
      fromHeight: hex(fromHeight),
      validators: [...validators],
    } satisfies ValidatorSetRecord);
  }

  /** The last scheduled set (possibly not yet in effect); undefined before any set is known. */
  latest(): ValidatorSet | undefined {
    return this.entry(this.entries.length - 1);
  }

  /** The set in effect at `height` and the changes scheduled after it. */
  at(height: bigint): { current: ValidatorSet | undefined; scheduled: ValidatorSet[] } {
    let current: ValidatorSet | undefined;
    const scheduled: ValidatorSet[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entry(i);
      if (e === undefined) continue;
      if (e.fromHeight <= height) {
        current = e;
        break;
      }
      scheduled.unshift(e);
    }
    return { current, scheduled };
  }

  /** Whether the address is in the set in effect at `height` or in any set scheduled after it. */
  includesFrom(height: bigint, address: string): boolean {
    const { current, scheduled } = this.at(height);
    return [current, ...scheduled].some((s) => s?.validators.includes(address) ?? false);
  }

  private entry(index: number): ValidatorSet | undefined {
    const raw = this.entries.get(index) as ValidatorSetRecord | undefined;
    return raw === undefined ? undefined : { fromHeight: BigInt(raw.fromHeight), validators: raw.validators };
  }
}
