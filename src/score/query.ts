/**
 * The read side for JSON-RPC (served by the node's API): icx_call, icx_getScoreApi and the SCORE Store's
 * version list. A query runs a readonly method in fresh instances on a scratch overlay that is thrown away;
 * any attempt to write, emit or use a system operation fails it with READONLY_WRITE.
 */
import type { IconValue } from '../codec/icon-serialize.js';
import { isEoaAddress } from '../crypto/address.js';
import { toIconApi, type IconApiEntry } from './api.js';
import { ScoreError } from './errors.js';
import { Executor, type BlockContext } from './execution.js';
import { checkViewChain, TxOverlay, type StateView } from './overlay.js';
import { listVersions as listStoredVersions, readScore, readVersion, resolveActive } from './score-store.js';
import type { ScoreRecord, VersionRecord } from './score-store.js';

export interface CallQuery {
  readonly to: string;
  readonly method: string;
  readonly params?: Readonly<Record<string, IconValue>>;
  readonly from?: string;
}

/**
 * icx_call. `ctx` is the context the SCORE sees — normally that of the block whose state `state` is.
 * Throws ScoreError with the failure code (SCORE_NOT_FOUND, METHOD_NOT_READONLY, INVALID_PARAMS, TIME_LIMIT…).
 */
export function call(state: StateView, query: CallQuery, ctx: BlockContext): IconValue | null {
  checkViewChain(state);
  if (query.from !== undefined && !isEoaAddress(query.from)) {
    throw new ScoreError('INVALID_PARAMS', 'from must be an hx address');
  }
  const executor = new Executor(ctx);
  const r = executor.call(
    new TxOverlay(state),
    {
      address: query.to,
      method: query.method,
      ...(query.params === undefined ? {} : { params: query.params }),
      ...(query.from === undefined ? {} : { sender: query.from }),
      origin: 'query',
    },
    executor.deadline(),
  );
  if (!r.ok) throw ScoreError.from(r.failure);
  return r.result;
}

/**
 * icx_getScoreApi: the api of the active version, or of `version` when given (auditors read pending ones).
 * Throws SCORE_NOT_FOUND, SCORE_PENDING or SCORE_REJECTED.
 */
export function getScoreApi(state: StateView, address: string, version?: number): IconApiEntry[] {
  if (version !== undefined) {
    const v = readVersion(state, address, version);
    if (v === undefined) throw new ScoreError('SCORE_NOT_FOUND', `no version ${version} of ${address}`);
    return toIconApi(v.api);
  }
  const active = resolveActive(state, address);
  if (!('version' in active)) throw ScoreError.from(active);
  return toIconApi(active.api);
}

/** Every version of the SCORE with its code hash, deployer and audit decision (api omitted); oldest first. */
export function listVersions(state: StateView, address: string): Omit<VersionRecord, 'api'>[] {
  return listStoredVersions(state, address).map(({ api: _api, ...rest }) => rest);
}

export function getScoreRecord(state: StateView, address: string): ScoreRecord | undefined {
  return readScore(state, address);
}
