/**
 * Resource limits of SCORE execution. Every limit changes receipts, so all belong to the chain config and must
 * be identical on every node — including the time limit, which is also the one limit that is not
 * deterministic (see docs/adr/0002-score-state-in-memory-and-time-limit.md).
 */
import { ScoreError } from './errors.js';

export interface ScoreLimits {
  /** Wall-clock budget of one transaction (all sandbox runs it makes) or one query, in milliseconds. */
  readonly timeLimitMs: number;
  /** Longest storage key a SCORE may use, in UTF-16 code units. */
  readonly maxKeyLength: number;
  /** Longest storage value, in UTF-16 code units. */
  readonly maxValueLength: number;
  readonly maxEventsPerCall: number;
  /** Longest single indexed or data value of an event. */
  readonly maxEventValueLength: number;
  /** Longest ICON JSON of a method result. */
  readonly maxResultLength: number;
  /** Largest deployable bundle, in bytes. */
  readonly maxCodeBytes: number;
}

export const DEFAULT_SCORE_LIMITS: ScoreLimits = {
  timeLimitMs: 2000,
  maxKeyLength: 1024,
  maxValueLength: 256 * 1024,
  maxEventsPerCall: 256,
  maxEventValueLength: 4096,
  maxResultLength: 1024 * 1024,
  maxCodeBytes: 1024 * 1024,
};

export function resolveLimits(partial: Partial<ScoreLimits> = {}): ScoreLimits {
  const limits = { ...DEFAULT_SCORE_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ScoreError('INVALID_ARGUMENT', `limit ${name} must be a positive integer`, { name });
    }
  }
  return limits;
}
