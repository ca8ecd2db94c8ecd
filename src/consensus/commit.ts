/** The 2-chain commit rule and the pruning that keeps a node's memory bounded. */
import { equalBytes } from '../codec/hex.js';
import { hexOf, knownBlock, type ConsensusState } from './state.js';
import type { BlockSummary, ConsensusEffect, QuorumCert } from './types.js';

/**
 * Commit (DESIGN §4): a QC for B′ whose parent B was proposed in round B′.round − 1 makes B and its
 * uncommitted ancestors final. A chain that does not extend the committed block means a safety invariant
 * broke (more than f faulty validators or a bug): the node halts instead of going on.
 */
export function commitIfChained(state: ConsensusState, qc: QuorumCert, fx: ConsensusEffect[]): void {
  const child = knownBlock(state, qc.blockHash);
  if (child === undefined) return;
  const parent = knownBlock(state, child.parentHash);
  if (parent === undefined || child.round !== parent.round + 1) return;
  if (parent.height < state.committed.height) return;
  if (parent.height === state.committed.height) {
    if (!equalBytes(parent.hash, state.committed.hash))
      halt(state, fx, `a QC commits a block conflicting with final height ${parent.height}`);
    return;
  }
  const chain: BlockSummary[] = [];
  for (
    let b: BlockSummary | undefined = parent;
    b !== undefined && b.height > state.committed.height;
    b = knownBlock(state, b.parentHash)
  ) {
    chain.unshift(b);
  }
  if (
    chain[0]?.height !== state.committed.height + 1 ||
    !equalBytes(chain[0].parentHash, state.committed.hash)
  ) {
    return halt(
      state,
      fx,
      `the chain committed by the QC of round ${qc.round} does not extend the final block`,
    );
  }
  for (const b of chain)
    if (state.blocks.get(hexOf(b.hash))?.status === 'executing') state.finalBeforeExecuted.add(hexOf(b.hash));
  fx.push({ type: 'commit', blocks: chain, qc });
  state.committed = parent;
  pruneBlocks(state);
}

export function halt(state: ConsensusState, fx: ConsensusEffect[], reason: string): void {
  state.halted = reason;
  fx.push({ type: 'halt', reason });
}

/** Drops final blocks and every block no longer extending the committed one. */
function pruneBlocks(state: ConsensusState): void {
  const entries = [...state.blocks.entries()].sort((a, b) => a[1].block.height - b[1].block.height);
  for (const [key, { block }] of entries) {
    if (block.height <= state.committed.height) state.blocks.delete(key);
    else if (
      !equalBytes(block.parentHash, state.committed.hash) &&
      !state.blocks.has(hexOf(block.parentHash))
    ) {
      state.blocks.delete(key);
    }
  }
}

/** Votes, timeouts and proposals of rounds before round − 1 can no longer form anything useful. */
export function pruneRounds(state: ConsensusState): void {
  const floor = state.round - 1;
  for (const map of [state.votes, state.timeouts, state.proposals] as Map<number, unknown>[]) {
    for (const round of map.keys()) if (round < floor) map.delete(round);
  }
}
