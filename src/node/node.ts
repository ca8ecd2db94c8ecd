/**
 * The composition root of a loopchain node (DESIGN §2 node/): opens the LevelDB, the gRPC peer transport,
 * one ChannelRuntime per channel (initialised from its genesis config on first start, resumed from disk
 * afterwards) and the JSON-RPC server with /metrics. The only place where the parts meet.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger as PinoLogger } from 'pino';
import { createApiServer } from '../api/server.js';
import type { ChannelPort } from '../api/port.js';
import { bytesToHex, equalBytes } from '../codec/hex.js';
import { readKeystoreFile } from '../crypto/keystore-file.js';
import { buildGenesis, genesisCommit } from '../genesis/build.js';
import { loadGenesisConfig } from '../genesis/load.js';
import { createPeerTransport, type GrpcPeerTransport } from '../network/peer-transport.js';
import { decryptKey } from '../pki/ceremony.js';
import { PopCheckWorker } from '../pki/pop-precheck.js';
import { ChannelStorage } from '../storage/channel-storage.js';
import { LevelStore } from '../storage/level-store.js';
import { idOf } from '../channel/chain-config.js';
import { channelPort } from '../channel/port.js';
import { ChannelRuntime, type RuntimeLimits } from '../channel/runtime.js';
import type { NodeConfig } from './config.js';
import { NodeMetrics } from './metrics.js';

export interface RunningNode {
  readonly address: `hx${string}`;
  readonly jsonrpcPort: number;
  readonly grpcPort: number;
  readonly channels: ReadonlyMap<string, ChannelRuntime>;
  readonly logger: PinoLogger;
  close(): Promise<void>;
}

export interface NodeOptions {
  /** A pino destination (tests pass a file or a silent stream); stdout by default. */
  readonly logDestination?: NodeJS.WritableStream;
  readonly runtimeLimits?: Partial<RuntimeLimits>;
}

const secret = (path: string): string => readFileSync(path, 'utf8').replace(/\r?\n$/, '');

function pemToDer(pem: string): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).raw);
}

export async function startNode(config: NodeConfig, options: NodeOptions = {}): Promise<RunningNode> {
  const logger = pino(
    { level: config.logLevel, base: { node: config.id } },
    options.logDestination ?? process.stdout,
  );
  const key = await readKeystoreFile(config.keystore.path, secret(config.keystore.passwordFile));
  const self = idOf(key.address);
  const validatorCa =
    config.validatorCa === undefined
      ? undefined
      : {
          certificate: pemToDer(readFileSync(config.validatorCa.cert, 'utf8')),
          key: decryptKey(
            readFileSync(config.validatorCa.key, 'utf8'),
            secret(config.validatorCa.passwordFile),
          ),
        };
  const metrics = new NodeMetrics();
  const store = await LevelStore.open(join(config.dataDir, 'db'));
  const cleanup: (() => Promise<void>)[] = [() => store.close()];
  const closeAll = async (): Promise<void> => {
    for (const c of cleanup.reverse()) {
      try {
        await c();
      } catch (e) {
        logger.error({ err: String(e) }, 'error while stopping');
      }
    }
  };
  try {
    const transport: GrpcPeerTransport = await createPeerTransport({
      self,
      listen: config.grpc,
      tls: {
        rootCertPem: readFileSync(config.tls.rootCert, 'utf8'),
        certPem: readFileSync(config.tls.cert, 'utf8'),
        keyPem: readFileSync(config.tls.key, 'utf8'),
      },
      peers: config.peers.map((p) => ({ id: idOf(p.address), address: p.grpc })),
      logger: logger.child({ part: 'network' }),
    });
    cleanup.push(() => transport.close());
    // Closed after the runtimes (cleanup runs in reverse).
    const popWorker = new PopCheckWorker();
    cleanup.push(() => popWorker.close());
    const runtimes = new Map<string, ChannelRuntime>();
    for (const ch of config.channels) {
      const genesisConfig = loadGenesisConfig(ch.genesis);
      const genesis = await buildGenesis(genesisConfig);
      const storage = new ChannelStorage(store, genesisConfig.channel);
      const stored = await storage.blocks.getHashByHeight(0);
      if (stored === undefined) {
        await storage.commitBlock(genesisCommit(genesis));
        logger.info(
          { channel: genesisConfig.channel, genesis: bytesToHex(genesis.blockHash) },
          'genesis committed',
        );
      } else if (!equalBytes(stored, genesis.blockHash)) {
        throw new Error(
          `channel ${genesisConfig.channel}: the data directory holds genesis ${bytesToHex(stored)}, ` +
            `but ${ch.genesis} builds ${bytesToHex(genesis.blockHash)}`,
        );
      }
      const issues = validatorCa !== undefined && genesisConfig.pki !== undefined;
      const rt = await ChannelRuntime.open({
        storage,
        self: { id: self, privateKey: key.privateKey },
        ...(issues ? { validatorCa } : {}),
        transport,
        popWorker,
        clock: { nowUs: () => BigInt(Date.now()) * 1000n },
        random: { bytes: (n) => new Uint8Array(randomBytes(n)) },
        logger: logger.child({ channel: genesisConfig.channel }),
        metrics: metrics.forChannel(genesisConfig.channel),
        ...(options.runtimeLimits === undefined ? {} : { limits: options.runtimeLimits }),
      });
      runtimes.set(genesisConfig.channel, rt);
    }
    for (const rt of runtimes.values()) {
      rt.start();
      cleanup.push(() => rt.close());
    }
    const ports = new Map<string, ChannelPort>([...runtimes].map(([name, rt]) => [name, channelPort(rt)]));
    metrics.peerCount = () => transport.connectedPeers();
    const api: FastifyInstance = createApiServer({
      channels: ports,
      logger: logger.child({ part: 'jsonrpc' }, { level: 'warn' }),
      metrics: { registry: metrics.registry },
    });
    await api.listen({ host: config.jsonrpc.host, port: config.jsonrpc.port });
    cleanup.push(() => api.close());
    const address = api.server.address();
    const jsonrpcPort = typeof address === 'object' && address !== null ? address.port : config.jsonrpc.port;
    logger.info({ address: key.address, jsonrpc: jsonrpcPort, grpc: transport.port }, 'node ready');
    let closing: Promise<void> | undefined;
    return {
      address: key.address,
      jsonrpcPort,
      grpcPort: transport.port,
      channels: runtimes,
      logger,
      close: () => (closing ??= closeAll()),
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
