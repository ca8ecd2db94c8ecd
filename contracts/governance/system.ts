/**
 * The bridge's privileged `system` operation. The SDK exports no wrapper for it yet, so this reaches the
 * bridge global the SDK itself uses; replace with the SDK's export once it has one.
 */
import type { Bridge } from '../../src/score/sdk/index.js';

declare const __loopchain: Bridge;

/** Asks the host for a privileged operation; the host throws (failing the transaction) when it refuses. */
export function system(operation: string, args: Readonly<Record<string, unknown>>): string {
  return __loopchain.system(operation, JSON.stringify(args));
}
