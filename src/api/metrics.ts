/**
 * Prometheus metrics of the JSON-RPC server, registered in the registry the node passes in (no global
 * registry). Labels are bounded: methods outside the API count as `unknown`, channels are the configured ones.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface ApiMetrics {
  /** One answered JSON-RPC request (a batch counts each element); `code` is 0 for a result. */
  observe(channel: string, method: string, code: number, seconds: number): void;
}

const REQUESTS = 'loopchain_jsonrpc_requests_total';
const DURATION = 'loopchain_jsonrpc_request_duration_seconds';

/** Reuses the metrics when a second server registers in the same registry (prom-client refuses duplicates). */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const requests =
    (registry.getSingleMetric(REQUESTS) as Counter<'channel' | 'method' | 'code'> | undefined) ??
    new Counter({
      name: REQUESTS,
      help: 'JSON-RPC requests answered, by channel, method and JSON-RPC code (0 = result)',
      labelNames: ['channel', 'method', 'code'] as const,
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric(DURATION) as Histogram<'channel' | 'method'> | undefined) ??
    new Histogram({
      name: DURATION,
      help: 'Time to answer a JSON-RPC request, by channel and method',
      labelNames: ['channel', 'method'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
  return {
    observe(channel, method, code, seconds) {
      requests.inc({ channel, method, code: String(code) });
      duration.observe({ channel, method }, seconds);
    },
  };
}
