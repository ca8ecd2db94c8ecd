/** The JSON-RPC server's view of a channel (src/api/port.ts), served by its runtime. */
import type { ChannelPort, CommittedBlock, CommittedTx } from '../api/port.js';
import { LoopchainError } from '../errors.js';
import type { Transaction } from '../ledger/transaction.js';
import { call, getScoreApi, type CallQuery } from '../score/query.js';
import type { BlockContext } from '../score/execution.js';
import type { ChannelRuntime } from './runtime.js';

export function channelPort(rt: ChannelRuntime): ChannelPort {
  const context = (): BlockContext => {
    const h = rt.lastCommittedBlock.header!;
    return {
      channel: rt.channel,
      height: h.height,
      timestamp: BigInt(h.timestamp),
      parentHash: h.prevHash,
      governanceAddress: rt.config.governanceAddress,
      ...(rt.config.certificateAuthorityAddress === undefined
        ? {}
        : { certificateAuthorityAddress: rt.config.certificateAuthorityAddress }),
    };
  };
  return {
    channel: rt.channel,
    nid: rt.config.nidHex,
    async submit(tx: Transaction): Promise<void> {
      if (rt.haltReason !== undefined)
        throw new LoopchainError('NODE_HALTED', `channel ${rt.channel} is halted: ${rt.haltReason}`);
      await rt.submit(tx);
    },
    isPending: (hash) => rt.isPending(hash),
    lastBlock: (): Promise<CommittedBlock> => rt.reader.last(),
    blockByHeight: (height) => rt.reader.byHeight(height),
    blockByHash: (hash) => rt.reader.byHash(hash),
    transaction: (hash) => rt.reader.transaction(hash),
    async waitCommitted(hash, timeoutMs, signal): Promise<CommittedTx | undefined> {
      const now = await rt.reader.transaction(hash);
      if (now !== undefined) return now;
      return (await rt.waitFor(hash, timeoutMs, signal)) ? rt.reader.transaction(hash) : undefined;
    },
    call: (query: CallQuery) => call(rt.committedState, query, context()),
    scoreApi: (address: string) => getScoreApi(rt.committedState, address),
  };
}
