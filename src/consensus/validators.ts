/** Validator sets over heights, quorum sizes and leader rotation (DESIGN §4). */
import type { ConsensusConfig, ValidatorId, ValidatorSetSchedule } from './types.js';

/** f = ⌊(n−1)/3⌋ faults tolerated; a quorum is n − f. */
export function maxFaulty(n: number): number {
  return Math.floor((n - 1) / 3);
}

export function quorumSize(n: number): number {
  return n - maxFaulty(n);
}

/** The set in force at `height`: the last schedule entry starting at or below it. */
export function validatorsAt(
  schedule: readonly ValidatorSetSchedule[],
  height: number,
): readonly ValidatorId[] {
  let current = schedule[0]!.validators;
  for (const entry of schedule) {
    if (entry.fromHeight <= height) current = entry.validators;
    else break;
  }
  return current;
}

/** leader(r): each validator leads `leaderTerm` consecutive rounds, in set order. */
export function leaderOf(
  config: ConsensusConfig,
  schedule: readonly ValidatorSetSchedule[],
  round: number,
  height: number,
): ValidatorId {
  const set = validatorsAt(schedule, height);
  return set[Math.floor(round / config.leaderTerm) % set.length]!;
}

/** Checks a config at start-up; returns the problems, empty when it is usable. */
export function configProblems(config: ConsensusConfig): string[] {
  const problems: string[] = [];
  if (config.validatorSets.length === 0) problems.push('validatorSets is empty');
  let last = 0;
  config.validatorSets.forEach((s, i) => {
    if (i === 0 && s.fromHeight !== 1) problems.push('the first validator set must start at height 1');
    if (i > 0 && s.fromHeight <= last)
      problems.push(`validatorSets[${i}] does not start after the previous set`);
    if (s.validators.length === 0) problems.push(`validatorSets[${i}] has no validators`);
    if (new Set(s.validators).size !== s.validators.length)
      problems.push(`validatorSets[${i}] repeats a validator`);
    last = s.fromHeight;
  });
  if (!Number.isInteger(config.leaderTerm) || config.leaderTerm < 1)
    problems.push('leaderTerm must be a positive integer');
  if (!(config.baseTimeoutMs > 0) || !(config.maxTimeoutMs >= config.baseTimeoutMs)) {
    problems.push('timeouts must satisfy 0 < baseTimeoutMs <= maxTimeoutMs');
  }
  if (!Number.isInteger(config.futureRoundWindow) || config.futureRoundWindow < 1) {
    problems.push('futureRoundWindow must be a positive integer');
  }
  return problems;
}
