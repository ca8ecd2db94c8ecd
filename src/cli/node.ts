/**
 * `loopchain node --config <node.json>`: runs one node until SIGINT or SIGTERM, then stops it cleanly (the
 * JSON-RPC server, the channels, the peer transport, then the database). Exit 2 for a bad config.
 */
import { parseArgs } from 'node:util';
import { loadNodeConfig, NodeConfigError } from '../node/config.js';
import { startNode } from '../node/node.js';
import type { CliIo } from './genesis.js';

export const NODE_USAGE = `usage: loopchain node --config <node.json>

Runs a loopchain node: its channels (genesis configs named in the config), the gRPC peer service with
mutual TLS, and the JSON-RPC v3 server (POST /api/v3/<channel>, GET /metrics). See docs/operations.md.

options:
  --config <file>  the node config (JSON); paths in it are relative to it
  -h, --help       this text
`;

export async function runNode(argv: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    io.err(`loopchain node: ${(e as Error).message}\n${NODE_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(NODE_USAGE);
    return 0;
  }
  if (values.config === undefined) {
    io.err(`loopchain node: --config is required\n${NODE_USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadNodeConfig(values.config);
  } catch (e) {
    if (e instanceof NodeConfigError) {
      io.err(`loopchain node: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const node = await startNode(config);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  node.logger.info({}, 'stopping');
  await node.close();
  return 0;
}
