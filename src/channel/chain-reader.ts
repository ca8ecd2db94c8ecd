/** Reads of a channel's committed chain for the API and block sync (storage bytes → ledger objects). */
import { decodeBlock, blockHash } from '../ledger/block.js';
import { decodeTransaction } from '../ledger/transaction.js';
import { decodeReceipt } from '../score/receipt.js';
import type { ChannelStorage } from '../storage/channel-storage.js';
import type { CommittedBlock, CommittedTx } from '../api/port.js';
import type { SyncBlock } from '../network/transport.js';

export class ChainReader {
  constructor(private readonly storage: ChannelStorage) {}

  async height(): Promise<number> {
    return (await this.storage.blocks.lastCommitted())?.height ?? -1;
  }

  async byHash(hash: Uint8Array): Promise<CommittedBlock | undefined> {
    const bytes = await this.storage.blocks.getBlockBytes(hash);
    if (bytes === undefined) return undefined;
    const block = decodeBlock(bytes);
    return {
      block,
      hash: blockHash(block.header!),
      transactions: block.transactions.map((t) => decodeTransaction(t)),
    };
  }

  async byHeight(height: number): Promise<CommittedBlock | undefined> {
    if (!Number.isSafeInteger(height) || height < 0) return undefined;
    const hash = await this.storage.blocks.getHashByHeight(height);
    return hash === undefined ? undefined : this.byHash(hash);
  }

  async last(): Promise<CommittedBlock> {
    const tip = await this.storage.blocks.lastCommitted();
    const block = tip === undefined ? undefined : await this.byHash(tip.hash);
    if (block === undefined) throw new Error(`channel ${this.storage.channel} has no committed block`);
    return block;
  }

  async transaction(hash: Uint8Array): Promise<CommittedTx | undefined> {
    const record = await this.storage.transactions.get(hash);
    if (record === undefined) return undefined;
    const blockHash = await this.storage.blocks.getHashByHeight(record.height);
    if (blockHash === undefined) return undefined;
    return {
      tx: decodeTransaction(record.txBytes),
      receipt: decodeReceipt(record.receiptBytes),
      blockHeight: record.height,
      blockHash,
      txIndex: record.index,
    };
  }

  async isCommitted(hash: Uint8Array): Promise<boolean> {
    return (await this.storage.transactions.get(hash)) !== undefined;
  }

  /** Committed blocks with their commit proofs, for peers that sync. */
  async *syncBlocks(fromHeight: number, max: number): AsyncIterable<SyncBlock> {
    const tip = await this.height();
    for (let h = fromHeight; h <= tip && h < fromHeight + max; h++) {
      const hash = await this.storage.blocks.getHashByHeight(h);
      const proof = await this.storage.blocks.getCommitProof(h);
      const bytes = hash === undefined ? undefined : await this.storage.blocks.getBlockBytes(hash);
      if (bytes === undefined || proof === undefined) return;
      yield { height: h, blockBytes: bytes, commitProof: proof };
    }
  }
}
