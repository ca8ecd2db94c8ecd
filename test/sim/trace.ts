/** One-line descriptions of consensus events for `--trace`, short enough to read a few thousand of. */
import { bytesToHex } from '../../src/codec/hex.js';
import type { ConsensusEvent, ConsensusMessage, QuorumCert } from '../../src/consensus/types.js';

function short(hash: Uint8Array): string {
  return bytesToHex(hash).slice(0, 8);
}

function qc(q: QuorumCert): string {
  return `qc(h${q.height} r${q.round} ${short(q.blockHash)} ×${q.votes.length})`;
}

function message(m: ConsensusMessage, who: (id: string) => string): string {
  switch (m.kind) {
    case 'proposal': {
      const b = m.block;
      const tc = b.tc ? ` tc(r${b.tc.round} ×${b.tc.timeouts.length})` : '';
      return `proposal h${b.height} r${b.round} ${short(b.hash)} by ${who(b.proposer)} txs=${b.txCount} ${qc(b.qc)}${tc}`;
    }
    case 'vote':
      return `vote h${m.height} r${m.round} ${short(m.blockHash)} by ${who(m.voter)}`;
    case 'timeout': {
      const tc = m.lastRoundTc ? ` tc(r${m.lastRoundTc.round})` : '';
      return `timeout r${m.round} by ${who(m.sender)} high ${qc(m.highQc)}${tc}`;
    }
  }
}

/** `labels` maps validator ids to short names (v0, v1, ...); unknown ids print abbreviated. */
export function describeEvent(e: ConsensusEvent, labels: ReadonlyMap<string, string>): string {
  const who = (id: string) => labels.get(id) ?? `?${id.slice(0, 6)}`;
  switch (e.type) {
    case 'message':
      return `${message(e.message, who)} from ${who(e.from)}`;
    case 'timer':
      return `timer r${e.round}`;
    case 'executed':
      return `executed ${short(e.blockHash)} ${e.valid ? 'valid' : 'INVALID'}`;
    case 'proposalBuilt':
      return `built h${e.block.height} r${e.block.round} ${short(e.block.hash)} txs=${e.block.txCount}`;
    case 'synced':
      return `synced ${e.blocks.length} blocks${e.blocks.length ? ` up to h${e.blocks[e.blocks.length - 1]!.block.height}` : ''}`;
    case 'pendingTransactions':
      return `pending=${e.pending}`;
    case 'start':
      return 'start';
    case 'validatorSetChange':
      return `validator set from h${e.schedule.fromHeight}`;
  }
}
