/**
 * The cast of one run: validator keys and ids, one consensus config per instance (identical chain
 * config, its own `self`), the hosts (honest, Twins, mutators), the global block store and the checker.
 */
import { genesisSummary } from '../../src/consensus/digests.js';
import type { ConsensusConfig, ValidatorId } from '../../src/consensus/types.js';
import { quorumSize } from '../../src/consensus/validators.js';
import type { SeededRandom } from '../helpers/seeded-random.js';
import { BlockStore } from './block-store.js';
import { Mutator } from './byzantine.js';
import { Checker } from './checker.js';
import { SimKeyring } from './crypto.js';
import { Host } from './host.js';
import type { Scenario } from './scenario.js';

export const CHANNEL = 'sim';

export interface World {
  readonly hosts: Host[];
  readonly store: BlockStore;
  readonly checker: Checker;
  /** Short names for validator ids in traces (Twins share one). */
  readonly labels: ReadonlyMap<ValidatorId, string>;
  readonly honestIds: ReadonlySet<ValidatorId>;
}

export function buildWorld(scenario: Scenario, rnd: SeededRandom): World {
  const keys = new SimKeyring(scenario.seed);
  const validators = Array.from({ length: scenario.n }, (_, i) => SimKeyring.validatorId(i));
  const genesis = genesisSummary(CHANNEL);
  const store = new BlockStore(CHANNEL, validators, quorumSize(scenario.n), keys);
  store.add(genesis);
  const config = (self: ValidatorId): ConsensusConfig => ({
    channel: CHANNEL,
    self,
    validatorSets: [{ fromHeight: 1, validators }],
    leaderTerm: scenario.leaderTerm,
    baseTimeoutMs: scenario.baseTimeoutMs,
    maxTimeoutMs: scenario.maxTimeoutMs,
    futureRoundWindow: scenario.futureRoundWindow,
  });
  const labels = new Map<ValidatorId, string>();
  const honestIds = new Set<ValidatorId>();
  const hosts = scenario.instances.map((spec) => {
    const self = validators[spec.validator]!;
    labels.set(self, `v${spec.validator}`);
    if (spec.role === 'honest') honestIds.add(self);
    const crypto = keys.cryptoFor(self);
    const mutator =
      spec.role === 'mutator'
        ? new Mutator({
            self,
            channel: CHANNEL,
            validators,
            crypto,
            keys,
            store,
            rnd,
            rate: scenario.mutationRate,
          })
        : undefined;
    return new Host(spec, config(self), crypto, genesis, mutator);
  });
  const checker = new Checker(config(validators[0]!), genesis, store, keys);
  return { hosts, store, checker, labels, honestIds };
}
