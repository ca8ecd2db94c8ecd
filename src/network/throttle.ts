/**
 * Per-peer penalty scores. Invalid or malformed messages raise a peer's score; the score decays over time;
 * a peer whose score reaches the threshold is refused (RESOURCE_EXHAUSTED) for a cooling period, after which
 * it starts again from zero. Scores are kept only for authenticated peers (certificates under the root), so
 * the map is bounded by the consortium's size; it is capped anyway.
 */
import type { ValidatorId } from '../consensus/types.js';
import type { PeerLogger } from './logger.js';

export interface ThrottleLimits {
  /** Score at which a peer is refused. */
  readonly threshold: number;
  /** How long a refused peer stays refused. */
  readonly coolingMs: number;
  /** Score lost per second of good behaviour. */
  readonly decayPerSecond: number;
  /** Added by `penalize()` (a message the channel found invalid). */
  readonly penalty: number;
  /** Added for a message that is not even well-formed. */
  readonly malformedPenalty: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  threshold: 100,
  coolingMs: 60_000,
  decayPerSecond: 1,
  penalty: 10,
  malformedPenalty: 25,
};

const MAX_TRACKED = 4096;

interface Score {
  points: number;
  at: number;
  refusedUntil: number | undefined;
}

export class PeerThrottle {
  private readonly scores = new Map<ValidatorId, Score>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number,
    private readonly log: PeerLogger,
  ) {}

  /** Raises `peer`'s score. Effects: logs; may start a cooling period. */
  penalize(peer: ValidatorId, points: number, reason: string): void {
    const t = this.now();
    const s = this.current(peer, t);
    s.points += points;
    this.log.warn({ peer, reason, points, score: s.points }, 'peer penalized');
    if (s.refusedUntil === undefined && s.points >= this.limits.threshold) {
      s.refusedUntil = t + this.limits.coolingMs;
      this.log.warn({ peer, score: s.points, coolingMs: this.limits.coolingMs }, 'peer throttled');
    }
    if (!this.scores.has(peer)) {
      if (this.scores.size >= MAX_TRACKED) this.prune(t);
      this.scores.set(peer, s);
    }
  }

  /** Whether messages from `peer` are refused now. */
  isThrottled(peer: ValidatorId): boolean {
    const s = this.scores.get(peer);
    if (s?.refusedUntil === undefined) return false;
    if (this.now() < s.refusedUntil) return true;
    this.scores.delete(peer);
    this.log.info({ peer }, 'peer throttle lifted');
    return false;
  }

  score(peer: ValidatorId): number {
    return this.scores.has(peer) ? this.current(peer, this.now()).points : 0;
  }

  private current(peer: ValidatorId, t: number): Score {
    const s = this.scores.get(peer) ?? { points: 0, at: t, refusedUntil: undefined };
    if (s.refusedUntil === undefined) {
      s.points = Math.max(0, s.points - ((t - s.at) / 1000) * this.limits.decayPerSecond);
    }
    s.at = t;
    return s;
  }

  private prune(t: number): void {
    for (const [peer, s] of this.scores) {
      if (s.refusedUntil === undefined || s.refusedUntil <= t) this.scores.delete(peer);
    }
  }
}
