/** The node's Prometheus metrics (prom-client), one registry per node, labelled by channel. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChannelMetrics } from '../channel/types.js';

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly height = new Gauge({
    name: 'loopchain_block_height',
    help: 'Height of the last committed block',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly round = new Gauge({
    name: 'loopchain_consensus_round',
    help: 'Current consensus round',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly mempool = new Gauge({
    name: 'loopchain_mempool_transactions',
    help: 'Transactions waiting in the mempool',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly syncing = new Gauge({
    name: 'loopchain_syncing',
    help: '1 while the channel fetches blocks it is missing from peers',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly txs = new Counter({
    name: 'loopchain_committed_transactions_total',
    help: 'Transactions committed',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'loopchain_commit_latency_seconds',
    help: 'From the block timestamp (proposal) to its commit on this node',
    labelNames: ['channel'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  /** Where the peer gauge reads from (the transport, once it exists). */
  peerCount: () => number = () => 0;
  private readonly peers: Gauge = new Gauge({
    name: 'loopchain_peers_connected',
    help: 'Peers with an open gRPC connection',
    registers: [this.registry],
    collect: (): void => this.peers.set(this.peerCount()),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  forChannel(channel: string): ChannelMetrics {
    return {
      committed: (height, txCount, latencyMs) => {
        this.height.set({ channel }, height);
        this.txs.inc({ channel }, txCount);
        this.latency.observe({ channel }, latencyMs / 1000);
      },
      round: (round) => this.round.set({ channel }, round),
      mempool: (size) => this.mempool.set({ channel }, size),
      syncing: (active) => this.syncing.set({ channel }, active ? 1 : 0),
    };
  }
}
