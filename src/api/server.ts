/**
 * The node's JSON-RPC v3 server (DESIGN §7) on fastify: `POST /api/v3/{channel}` and `POST /api/v3` (the first
 * channel, where ICON clients usually post), `GET /health`, and `GET /metrics` when a registry is given.
 * Returns the instance without listening; the node calls `listen({ host: '127.0.0.1', port })`.
 */
import fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import type { Registry } from 'prom-client';
import { DEFAULT_TX_LIMITS, type TxLimits } from '../ledger/transaction.js';
import { dispatch, errorResponse } from './dispatch.js';
import { createApiMetrics, type ApiMetrics } from './metrics.js';
import type { ChannelPort, ChannelPorts } from './port.js';
import type { RpcError } from './rpc-error.js';
import { httpStatusOf, internalError, invalidRequest, notFound } from './rpc-error.js';

export interface ApiLimits {
  /** Largest HTTP body, in bytes. */
  readonly maxBodyBytes: number;
  /** Most requests in one batch. */
  readonly maxBatch: number;
  /** Longest a request may wait for a commit (icx_sendTransactionAndWait, icx_waitTransactionResult). */
  readonly maxWaitMs: number;
  /** Deepest nesting of arrays and objects in a body. */
  readonly maxDepth: number;
  readonly tx: TxLimits;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  maxBodyBytes: 2 * 1024 * 1024,
  maxBatch: 100,
  maxWaitMs: 30_000,
  maxDepth: 64,
  tx: DEFAULT_TX_LIMITS,
};

export interface ApiServerOptions {
  readonly channels: ChannelPorts;
  /** A pino (or pino-compatible) logger; no logging when absent. */
  readonly logger?: FastifyBaseLogger;
  readonly metrics?: { readonly registry: Registry };
  readonly limits?: Partial<ApiLimits>;
}

/** goloop's `Icon-Options: timeout=<ms>` header; undefined when absent or malformed. */
export function iconOptionsTimeout(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  for (const kv of value.split(',')) {
    const [k, v] = kv.split('=', 2).map((s) => s.trim());
    if (k === 'timeout' && v !== undefined && /^[0-9]{1,9}$/.test(v)) return Number(v);
  }
  return undefined;
}

function sendError(reply: FastifyReply, e: RpcError, status = httpStatusOf(e.code)): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(errorResponse(null, e));
}

export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...options.limits };
  const app: FastifyInstance = (options.logger === undefined
    ? fastify({ logger: false, bodyLimit: limits.maxBodyBytes })
    : fastify({
        loggerInstance: options.logger,
        bodyLimit: limits.maxBodyBytes,
      })) as unknown as FastifyInstance;
  const metrics: ApiMetrics | undefined =
    options.metrics === undefined ? undefined : createApiMetrics(options.metrics.registry);
  const defaultChannel = options.channels.keys().next().value;

  // Waits in progress, aborted on shutdown so close() does not hang for up to maxWaitMs.
  const waiting = new Set<AbortController>();
  let shuttingDown = false;
  app.addHook('preClose', async () => {
    shuttingDown = true;
    for (const c of waiting) c.abort();
  });

  // icon-sdk-js posts with fetch and no content type (so text/plain); JSON.parse happens in dispatch, where a
  // failure is a JSON-RPC parse error rather than fastify's generic 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(
        reply,
        invalidRequest(`the body is larger than ${limits.maxBodyBytes} bytes`, 'BODY_TOO_LARGE'),
        413,
      );
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(
        reply,
        invalidRequest(err.message.slice(0, 200), err.code ?? 'BAD_HTTP_REQUEST'),
        status,
      );
    }
    request.log.error({ err }, 'json-rpc request failed');
    return sendError(reply, internalError());
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, notFound(`${request.method} ${request.url.slice(0, 100)}`, 'NO_ROUTE')),
  );

  async function serve(
    port: ChannelPort | undefined,
    name: string,
    body: unknown,
    request: { headers: Record<string, string | string[] | undefined>; log: FastifyBaseLogger },
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (port === undefined) {
      return sendError(reply, notFound(`no channel '${name.slice(0, 64)}' on this node`, 'UNKNOWN_CHANNEL'));
    }
    const controller = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableFinished) controller.abort();
    };
    reply.raw.on('close', onClose);
    waiting.add(controller);
    try {
      const requested = iconOptionsTimeout(request.headers['icon-options']);
      const answer = await dispatch(
        typeof body === 'string' ? body : '',
        {
          limits,
          log: request.log,
          metrics,
          context: {
            port,
            txLimits: limits.tx,
            wait: { requestedMs: requested ?? limits.maxWaitMs, maxMs: limits.maxWaitMs },
            signal: controller.signal,
            isShuttingDown: () => shuttingDown,
          },
        },
        port.channel,
      );
      if (answer.body === undefined) return reply.code(answer.status).send();
      return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
    } finally {
      waiting.delete(controller);
      reply.raw.off('close', onClose);
    }
  }

  app.post<{ Params: { channel: string } }>('/api/v3/:channel', (request, reply) =>
    serve(options.channels.get(request.params.channel), request.params.channel, request.body, request, reply),
  );
  app.post('/api/v3', (request, reply) =>
    serve(
      defaultChannel === undefined ? undefined : options.channels.get(defaultChannel),
      defaultChannel ?? '',
      request.body,
      request,
      reply,
    ),
  );

  app.get('/health', async () => ({ status: 'ok', channels: [...options.channels.keys()] }));

  if (options.metrics !== undefined) {
    const registry = options.metrics.registry;
    app.get('/metrics', async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  }

  return app;
}
