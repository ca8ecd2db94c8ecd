/**
 * Built-in SCOREs enter the chain in the genesis block through the same SCORE Store records as deployments,
 * but approved by 'genesis' (there is no governance yet to approve them). A built-in that declares a write
 * method `on_install` gets it called once, with the genesis params, by its deployer.
 */
import type { IconValue } from '../codec/icon-serialize.js';
import { isEoaAddress, isScoreAddress } from '../crypto/address.js';
import { findMethod, INSTALL_METHOD } from './api.js';
import { ScoreError } from './errors.js';
import { Executor, type BlockContext } from './execution.js';
import type { BlockOverlay } from './overlay.js';
import { ScoreInstance } from './sandbox.js';
import { addVersion, codeHashOf, readScore } from './score-store.js';
import { CX_ZERO } from './state-layout.js';

export interface GenesisScore {
  /** Chosen by the chain config (e.g. the governance address). */
  readonly address: string;
  /** The bundle (bundle.ts). */
  readonly code: string;
  /** Owner of the SCORE: may deploy its next versions. */
  readonly deployer: string;
  /** Arguments of `on_install`, as ICON JSON; requires the SCORE to declare it. */
  readonly params?: Readonly<Record<string, IconValue>>;
}

function genesisFailed(address: string, why: string): never {
  throw new ScoreError('GENESIS_FAILED', `cannot install the built-in SCORE ${address}: ${why}`);
}

/**
 * Installs a built-in SCORE into the genesis block's state (height 0, still open). Throws GENESIS_FAILED with
 * the reason: a genesis config that does not install cleanly must not produce a chain.
 */
export function installGenesisScore(
  state: BlockOverlay,
  score: GenesisScore,
  ctx: BlockContext,
  executor: Executor = new Executor(ctx),
): void {
  const { address } = score;
  if (state.height !== 0 || ctx.height !== 0)
    genesisFailed(address, 'built-ins are installed only at height 0');
  if (!isScoreAddress(address) || address === CX_ZERO)
    genesisFailed(address, 'the address must be a cx address');
  if (!isEoaAddress(score.deployer)) genesisFailed(address, 'the deployer must be an hx address');
  if (readScore(state, address) !== undefined) genesisFailed(address, 'the address is already taken');
  const bytes = new Uint8Array(Buffer.from(score.code, 'utf8'));
  if (bytes.length > executor.limits.maxCodeBytes)
    genesisFailed(address, 'the bundle is larger than the limit');
  const codeHash = codeHashOf(bytes);
  let api;
  try {
    api = ScoreInstance.load(score.code, codeHash, executor.limits, executor.limits.timeLimitMs).api;
  } catch (e) {
    if (e instanceof ScoreError) genesisFailed(address, e.message);
    throw e;
  }
  const hasInstall = findMethod(api, INSTALL_METHOD) !== undefined;
  if (score.params !== undefined && !hasInstall)
    genesisFailed(address, `params given but no ${INSTALL_METHOD}`);
  const tx = state.beginTx();
  addVersion(tx, {
    address,
    code: score.code,
    codeHash,
    deployer: score.deployer,
    txHash: null,
    height: 0,
    api,
    genesis: true,
  });
  if (hasInstall) {
    const r = executor.call(
      tx,
      {
        address,
        method: INSTALL_METHOD,
        params: score.params ?? {},
        sender: score.deployer,
        origin: 'install',
      },
      executor.deadline(),
    );
    if (!r.ok) genesisFailed(address, `${INSTALL_METHOD} failed: ${r.failure.code}: ${r.failure.message}`);
  }
  state.merge(tx);
}
