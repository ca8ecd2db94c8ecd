/**
 * JSON-RPC 2.0 over one channel: parses the body, checks the envelope and the params, runs the method and
 * shapes the answer (single, batch, notification). Every failure of a request becomes that request's error
 * object; nothing a client sends can make it throw.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { HANDLERS, type MethodContext } from './methods.js';
import type { ApiMetrics } from './metrics.js';
import {
  httpStatusOf,
  internalError,
  invalidParams,
  invalidRequest,
  parseError,
  RpcCode,
  RpcError,
  type RpcErrorObject,
} from './rpc-error.js';
import { describeError, isMethodName, PARAMS_REQUIRED, validateEnvelope, validateParams } from './schemas.js';

export type RpcId = string | number | null;

export type RpcResponse =
  { jsonrpc: '2.0'; id: RpcId; result: unknown } | { jsonrpc: '2.0'; id: RpcId; error: RpcErrorObject };

export interface DispatchLimits {
  readonly maxBatch: number;
  /** Deepest nesting of arrays and objects accepted in a body. */
  readonly maxDepth: number;
}

export interface DispatchEnv {
  readonly limits: DispatchLimits;
  readonly context: MethodContext;
  readonly log: FastifyBaseLogger;
  readonly metrics: ApiMetrics | undefined;
}

/** What the HTTP layer sends: a status and a JSON body, or no body (only notifications). */
export interface HttpAnswer {
  readonly status: number;
  readonly body: RpcResponse | RpcResponse[] | undefined;
}

/** Methods that may be sent as notifications (no id), as goloop allows. */
const NOTIFIABLE: ReadonlySet<string> = new Set(['icx_sendTransaction']);

export function errorResponse(id: RpcId, e: RpcError): RpcResponse {
  return { jsonrpc: '2.0', id, error: e.toJSON() };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Nesting depth, without recursion (a body may be 2 MiB of `[`). Stops as soon as `max` is passed. */
export function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, d + 1]);
    }
  }
  return false;
}

/** A usable id from a request that failed the envelope check, so the client can still match the answer. */
function salvageId(req: unknown): RpcId {
  if (!isRecord(req)) return null;
  const id = req.id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  if (typeof id === 'string' && id.length <= 256) return id;
  return null;
}

function toRpcError(e: unknown, method: string, log: FastifyBaseLogger): RpcError {
  if (e instanceof RpcError) return e;
  // A bug or an infrastructure failure: the detail goes to the log, never to the client (STYLE 5).
  log.error({ err: e, method }, 'json-rpc method failed');
  return internalError();
}

/** Runs one request; undefined for a notification (no answer). */
async function handleOne(req: unknown, env: DispatchEnv, channel: string): Promise<RpcResponse | undefined> {
  const started = performance.now();
  let method = 'unknown';
  const answer = (id: RpcId, r: { result: unknown } | { error: RpcError }): RpcResponse => {
    const code = 'error' in r ? r.error.code : 0;
    env.metrics?.observe(channel, method, code, (performance.now() - started) / 1000);
    return 'error' in r ? errorResponse(id, r.error) : { jsonrpc: '2.0', id, result: r.result };
  };

  if (!validateEnvelope(req)) {
    const problem = describeError('', validateEnvelope.errors);
    return answer(salvageId(req), { error: invalidRequest(problem.message) });
  }
  const r = req as { method: string; params?: unknown; id?: RpcId };
  const isNotification = !('id' in r);
  const id: RpcId = r.id ?? null;
  if (!isMethodName(r.method)) {
    return answer(id, {
      error: new RpcError(RpcCode.METHOD_NOT_FOUND, `Method not found: ${r.method.slice(0, 64)}`, {
        code: 'METHOD_NOT_FOUND',
      }),
    });
  }
  const name = r.method;
  method = name;
  if (isNotification && !NOTIFIABLE.has(name)) {
    return answer(null, {
      error: invalidRequest(
        `id is required (only ${[...NOTIFIABLE].join(', ')} may be a notification)`,
        'MISSING_ID',
      ),
    });
  }

  let result: { result: unknown } | { error: RpcError };
  const params = r.params ?? (PARAMS_REQUIRED.has(name) ? undefined : {});
  const validate = validateParams[name];
  if (params === undefined) {
    result = { error: invalidParams('params is required', 'params') };
  } else if (!validate(params)) {
    const problem = describeError('params', validate.errors);
    result = { error: invalidParams(problem.message, problem.field) };
  } else {
    try {
      result = { result: await HANDLERS[name](params as Record<string, unknown>, env.context) };
    } catch (e) {
      result = { error: toRpcError(e, name, env.log) };
    }
  }
  const response = answer(id, result);
  return isNotification ? undefined : response;
}

/**
 * Answers one HTTP body (a string as received). Single errors carry goloop's HTTP status; a batch is 200 with
 * each element's own answer; a body of notifications only is 204.
 */
export async function dispatch(body: string, env: DispatchEnv, channel: string): Promise<HttpAnswer> {
  const single = (e: RpcError): HttpAnswer => ({
    status: httpStatusOf(e.code),
    body: errorResponse(null, e),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return single(parseError(e instanceof SyntaxError ? e.message.slice(0, 200) : 'invalid JSON'));
  }
  if (depthExceeds(parsed, env.limits.maxDepth)) {
    return single(invalidRequest(`JSON nested deeper than ${env.limits.maxDepth} levels`, 'TOO_DEEP'));
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return single(invalidRequest('empty batch', 'EMPTY_BATCH'));
    if (parsed.length > env.limits.maxBatch) {
      return single(
        invalidRequest(
          `a batch holds at most ${env.limits.maxBatch} requests, this one has ${parsed.length}`,
          'BATCH_TOO_LARGE',
        ),
      );
    }
    const answers = await Promise.all(parsed.map((req) => handleOne(req, env, channel)));
    const sent = answers.filter((a): a is RpcResponse => a !== undefined);
    return sent.length === 0 ? { status: 204, body: undefined } : { status: 200, body: sent };
  }
  const answer = await handleOne(parsed, env, channel);
  if (answer === undefined) return { status: 204, body: undefined };
  return { status: 'error' in answer ? httpStatusOf(answer.error.code) : 200, body: answer };
}
