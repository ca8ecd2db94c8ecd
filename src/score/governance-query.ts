/**
 * The host side of the SDK's `governance` bridge operation: a narrow, readonly question any SCORE may ask of
 * the governance SCORE, run like deploy's `askGovernance` — a query on a scratch overlay of the caller's state,
 * within the caller's deadline. Only `hasRole {address, role}` → true/false, `getMember {address}` → the
 * member (or null) and `getResponderKeys {offset, limit}` → one page `{total, items}` of the registered OCSP
 * responder keys (limit 1…100) are served; nothing can write.
 */
import type { IconValue } from '../codec/icon-serialize.js';
import { failure } from './errors.js';
import type { CallRequest, Executor } from './execution.js';
import { TxOverlay } from './overlay.js';
import { Refusal } from './sandbox.js';
import type { StateWriter } from './score-store.js';

const ACCOUNT = /^hx[0-9a-f]{40}$/;
const MAX_PAGE = 100;

/** A page bound as 0x-hex (or a safe integer) within 0…max, as the ICON int parameter. */
function pageInt(v: unknown, name: string, max: number): string {
  let n: number | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) n = v;
  else if (typeof v === 'string' && /^0x[0-9a-f]{1,8}$/.test(v)) n = Number.parseInt(v.slice(2), 16);
  if (n === undefined || n < 0 || n > max) bad(`${name} must be an integer 0…${max}`);
  return `0x${n.toString(16)}`;
}

function bad(message: string): never {
  throw new Refusal(failure('INVALID_GOVERNANCE_QUERY', message));
}

export function governanceQuery(
  executor: Executor,
  state: StateWriter,
  req: CallRequest,
  query: string,
  argsJson: string,
  deadline: number,
): string {
  // The governance SCORE is running its own instance: a nested call into it would re-enter it.
  if (req.address === executor.ctx.governanceAddress) bad('the governance SCORE cannot query itself');
  let args: unknown;
  try {
    args = JSON.parse(argsJson);
  } catch {
    bad('the arguments are not JSON');
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    bad('the arguments are not an object');
  const { address, role, offset, limit } = args as Record<string, unknown>;
  let params: Record<string, IconValue>;
  if (query === 'getResponderKeys') {
    params = { offset: pageInt(offset, 'offset', 0xffffffff), limit: pageInt(limit, 'limit', MAX_PAGE) };
  } else if (typeof address !== 'string' || !ACCOUNT.test(address)) {
    return bad('address must be an hx address');
  } else if (query === 'hasRole') {
    if (typeof role !== 'string' || role.length > 32) bad('role must be a short string');
    params = { address, role };
  } else if (query === 'getMember') {
    params = { address };
  } else {
    return bad(`unknown governance query '${query.slice(0, 40)}'`);
  }
  // Cached per block: the answer depends only on governance state, which the executor tracks (execution.ts).
  const key = `${query}\n${JSON.stringify(params)}`;
  return executor.governanceAnswer(key, () => ask(executor, state, req, query, params, deadline));
}

function ask(
  executor: Executor,
  state: StateWriter,
  req: CallRequest,
  query: string,
  params: Record<string, IconValue>,
  deadline: number,
): string {
  const r = executor.call(
    new TxOverlay(state),
    {
      address: executor.ctx.governanceAddress,
      method: query,
      params,
      ...(req.sender === undefined ? {} : { sender: req.sender }),
      ...(req.txHash === undefined ? {} : { txHash: req.txHash }),
      origin: 'query',
    },
    deadline,
  );
  if (r.ok) return JSON.stringify(query === 'hasRole' ? r.result === '0x1' : r.result);
  if (r.failure.code === 'TIME_LIMIT') throw new Refusal(r.failure);
  if (query === 'getMember' && r.failure.scoreCode === 'NOT_MEMBER') return 'null';
  return bad(`governance ${query} failed (${r.failure.scoreCode ?? r.failure.code})`);
}
