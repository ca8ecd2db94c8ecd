/**
 * The `deploy` transaction (SCORE Store): to cx000…0 it creates a SCORE at a derived address, to an existing
 * SCORE it adds a version. Either way the version is pending until governance approves it.
 *
 * Steps:
 *   1. the content is a JavaScript bundle within the size limit; deploy params are refused (on_install runs
 *      only for built-ins at genesis: running a hook on approval would run unaudited code paths inside the
 *      governance transaction);
 *   2. governance's readonly `canDeploy(address)` must return true for the sender (no governance SCORE: no
 *      deployments — built-ins enter at genesis);
 *   3. a new version needs the SCORE's owner (its first deployer) or an admin: governance's readonly
 *      `isAdmin(address)`;
 *   4. the code must load in a throwaway sandbox and declare a valid api — the version is recorded with it.
 */
import type { DeployData, Transaction } from '../ledger/transaction.js';
import { bytesToHex, hexToBytes } from '../codec/hex.js';
import { failure, ScoreError, type Failure } from './errors.js';
import type { Executor } from './execution.js';
import { TxOverlay } from './overlay.js';
import { ScoreInstance } from './sandbox.js';
import { addVersion, codeHashOf, deriveScoreAddress, readScore, type StateWriter } from './score-store.js';
import { CX_ZERO } from './state-layout.js';

export type DeployOutcome =
  { readonly ok: true; readonly scoreAddress: string } | { readonly ok: false; readonly failure: Failure };

const fail = (code: Failure['code'], message: string): DeployOutcome => ({
  ok: false,
  failure: failure(code, message),
});

/** Asks a readonly yes/no question of the governance SCORE about the sender. */
function askGovernance(
  executor: Executor,
  state: StateWriter,
  method: 'canDeploy' | 'isAdmin',
  tx: Transaction,
  deadline: number,
): true | Failure {
  const r = executor.call(
    new TxOverlay(state),
    {
      address: executor.ctx.governanceAddress,
      method,
      params: { address: tx.from },
      sender: tx.from,
      txHash: `0x${bytesToHex(tx.hash)}`,
      origin: 'query',
    },
    deadline,
  );
  if (r.ok && r.result === '0x1') return true;
  if (!r.ok && r.failure.code === 'TIME_LIMIT') return r.failure;
  if (!r.ok && r.failure.code === 'SCORE_NOT_FOUND') {
    return failure('DEPLOY_FORBIDDEN', 'there is no governance SCORE to allow deployments');
  }
  const why = r.ok ? 'said no' : `failed (${r.failure.code})`;
  return failure('DEPLOY_FORBIDDEN', `governance ${method}(${tx.from}) ${why}`);
}

export function executeDeploy(
  executor: Executor,
  state: StateWriter,
  tx: Transaction,
  deadline: number,
): DeployOutcome {
  // 1.
  const data = tx.params.data as DeployData;
  if (data.contentType !== 'application/javascript') {
    return fail('DEPLOY_INVALID', 'only application/javascript bundles can be deployed');
  }
  if (data.params !== undefined && Object.keys(data.params).length > 0) {
    return fail('INVALID_PARAMS', 'deploy params are not supported: install hooks run only at genesis');
  }
  const bytes = hexToBytes(data.content.slice(2));
  if (bytes === undefined) return fail('DEPLOY_INVALID', 'the content is not hex');
  if (bytes.length > executor.limits.maxCodeBytes)
    return fail('LIMIT_EXCEEDED', 'the bundle is larger than the limit');
  let code: string;
  try {
    code = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('DEPLOY_INVALID', 'the bundle is not UTF-8');
  }
  // 2.
  const allowed = askGovernance(executor, state, 'canDeploy', tx, deadline);
  if (allowed !== true) return { ok: false, failure: allowed };
  // 3.
  let address: string;
  if (tx.to === CX_ZERO) {
    address = deriveScoreAddress(tx.from, tx.hash);
    if (readScore(state, address) !== undefined) return fail('DEPLOY_INVALID', `${address} is taken`);
  } else {
    const score = readScore(state, tx.to);
    if (score === undefined) return fail('SCORE_NOT_FOUND', `no SCORE at ${tx.to}`);
    if (score.owner !== tx.from) {
      const admin = askGovernance(executor, state, 'isAdmin', tx, deadline);
      if (admin !== true) {
        return admin.code === 'TIME_LIMIT'
          ? { ok: false, failure: admin }
          : fail('DEPLOY_FORBIDDEN', `only the owner of ${tx.to} or an admin may deploy a new version`);
      }
    }
    address = tx.to;
  }
  // 4.
  const codeHash = codeHashOf(bytes);
  const left = executor.remaining(deadline);
  if (left <= 0) return fail('TIME_LIMIT', 'the execution time limit was reached');
  let api;
  try {
    api = ScoreInstance.load(code, codeHash, executor.limits, left).api;
  } catch (e) {
    if (!(e instanceof ScoreError)) throw e;
    const f = e.toFailure();
    return f.code === 'TIME_LIMIT' ? { ok: false, failure: f } : fail('DEPLOY_INVALID', f.message);
  }
  addVersion(state, {
    address,
    code,
    codeHash,
    deployer: tx.from,
    txHash: `0x${bytesToHex(tx.hash)}`,
    height: executor.ctx.height,
    api,
    genesis: false,
  });
  return { ok: true, scoreAddress: address };
}
