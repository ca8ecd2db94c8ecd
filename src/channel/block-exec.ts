/**
 * Execute-then-propose (DESIGN §3): the proposer executes its transactions and fills the header's roots; every
 * other node re-executes the block and accepts it only when it gets the same roots, the same certificate log
 * and the same issuance. Synchronous and deterministic: time and randomness are inputs.
 */
import type { KeyObject } from 'node:crypto';
import { bytesToHex, equalBytes } from '../codec/hex.js';
import type { BlockSummary, QuorumCert, TimeoutCert } from '../consensus/types.js';
import {
  BLOCK_VERSION,
  blockHash,
  encodeBlock,
  signBlock,
  verifyBlockSignature,
  type Block,
  type BlockHeader,
} from '../ledger/block.js';
import {
  decodeTransaction,
  encodeTransaction,
  verifyTransaction,
  type Transaction,
} from '../ledger/transaction.js';
import { LoopchainError } from '../errors.js';
import {
  ProposerBlockIssuer,
  ValidatingBlockIssuer,
  type BlockSigner,
  type IssuanceRecord,
  type ParentCa,
  type Random,
} from '../pki/block-issuer.js';
import type { PopCheckWorker } from '../pki/pop-precheck.js';
import type { BlockProfile } from '../pki/tbs.js';
import { applyBlock, type ApplyResult } from '../score/apply-block.js';
import { startBlockPrechecks } from '../score/block-prechecks.js';
import type { BlockContext } from '../score/execution.js';
import type { StateView } from '../score/overlay.js';
import { qcToProto, tcToProto } from '../network/consensus-codec.js';
import { summarize } from './block-summary.js';
import type { ChainConfig } from './chain-config.js';

export type BlockRejectCode =
  | 'WRONG_CHANNEL'
  | 'WRONG_PARENT'
  | 'BAD_TIMESTAMP'
  | 'BAD_SIGNATURE'
  | 'BAD_TRANSACTION'
  | 'ROOT_MISMATCH'
  | 'INVALID_ISSUANCE';

/** Why this node will not vote for a block; the reason goes back to consensus as `executed(valid=false)`. */
export class BlockRejected extends LoopchainError<BlockRejectCode> {}

export interface ExecutionEnv {
  readonly config: ChainConfig;
  /** Validator CAs of the chain config by validator id, parsed once. */
  readonly validatorCas: ReadonlyMap<string, ParentCa>;
  /** This node's Validator CA and its key, to issue certificates in the blocks it proposes. */
  readonly signerCa?: { readonly parent: ParentCa; readonly key: KeyObject };
  readonly random: Random;
  /** How far a transaction's timestamp may be from its block's (ICON: 5 minutes). */
  readonly txWindowUs: bigint;
  /**
   * A worker thread for the checks that can leave the execution thread: the proofs of possession of a block's
   * CSRs, and the issuance signatures — recorded ones when validating, the proposer's own self-checks when
   * proposing (ADR 0004). Optional: results and errors are the same without it; the node owns it (one per
   * process) and closes it.
   */
  readonly popWorker?: PopCheckWorker;
}

/** The block a new block extends, with the state after it. */
export interface ParentRef {
  readonly state: StateView;
  readonly hash: Uint8Array;
  readonly height: number;
  readonly timestamp: bigint;
}

export interface ExecutedBlock {
  readonly block: Block;
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly summary: BlockSummary;
  readonly transactions: readonly Transaction[];
  readonly result: ApplyResult;
}

function profileOf(
  env: ExecutionEnv,
  height: number,
  parentHash: Uint8Array,
  timestamp: bigint,
): BlockProfile {
  const pki = env.config.pki!;
  return {
    channel: env.config.channel,
    height: BigInt(height),
    parentHash,
    blockTimeUs: timestamp,
    consortium: pki.consortium,
    ocspUrl: pki.ocspUrl,
    ...(pki.maxValidityDays === undefined ? {} : { maxValidityDays: pki.maxValidityDays }),
  };
}

function contextOf(
  env: ExecutionEnv,
  height: number,
  timestamp: bigint,
  parentHash: Uint8Array,
  blockSigner: BlockSigner | undefined,
  transactions: readonly Transaction[],
): BlockContext {
  const c = env.config;
  return {
    // Started with the block, not before it: nothing carries over between blocks (block-prechecks.ts).
    ...(env.popWorker === undefined || transactions.length === 0
      ? {}
      : { popChecked: startBlockPrechecks(env.popWorker, transactions) }),
    channel: c.channel,
    height,
    timestamp,
    parentHash,
    governanceAddress: c.governanceAddress,
    ...(c.certificateAuthorityAddress === undefined
      ? {}
      : { certificateAuthorityAddress: c.certificateAuthorityAddress }),
    ...(blockSigner === undefined ? {} : { blockSigner }),
  };
}

const issuanceOf = (r: IssuanceRecord | undefined): Block['issuance'] =>
  r === undefined ? undefined : { issuerCertificate: r.issuerCertificate, signatures: r.signatures };

export interface ProposalInput {
  readonly round: number;
  readonly qc: QuorumCert;
  readonly tc: TimeoutCert | undefined;
  readonly transactions: readonly Transaction[];
  readonly timestamp: bigint;
  readonly proposerKey: Uint8Array;
  readonly proposer: Uint8Array;
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
}

/** Executes the proposer's transactions on `parent` and builds the signed block. */
export function buildBlock(env: ExecutionEnv, parent: ParentRef, p: ProposalInput): ExecutedBlock {
  const height = parent.height + 1;
  const signer =
    env.signerCa !== undefined && env.config.pki !== undefined
      ? new ProposerBlockIssuer(profileOf(env, height, parent.hash, p.timestamp), {
          validatorCa: env.signerCa.parent,
          validatorCaKey: env.signerCa.key,
          random: env.random,
          ...(env.popWorker === undefined ? {} : { signatureChecks: env.popWorker }),
        })
      : undefined;
  const result = applyBlock(
    parent.state,
    { transactions: p.transactions },
    contextOf(env, height, p.timestamp, parent.hash, signer, p.transactions),
  );
  const header: BlockHeader = {
    version: BLOCK_VERSION,
    channel: env.config.channel,
    height,
    round: p.round,
    prevHash: parent.hash,
    timestamp: Number(p.timestamp),
    proposer: p.proposer,
    transactionsRoot: result.roots.transactionsRoot,
    receiptsRoot: result.roots.receiptsRoot,
    stateRoot: result.roots.stateRoot,
    certLogRoot: result.certLog.root,
    certLogSize: result.certLog.size,
    validatorsHash: p.validatorsHash,
    nextValidatorsHash: p.nextValidatorsHash,
    justify: { qc: qcToProto(p.qc), tc: p.tc === undefined ? undefined : tcToProto(p.tc) },
  };
  const block: Block = {
    header,
    signature: signBlock(header, p.proposerKey),
    transactions: p.transactions.map(encodeTransaction),
    issuance: issuanceOf(result.issuance),
  };
  const hash = blockHash(header);
  return {
    block,
    bytes: encodeBlock(block),
    hash,
    summary: summarize(block, hash),
    transactions: p.transactions,
    result,
  };
}

/**
 * The checks of a block's transactions that need no ledger lookup: each decodes, is signed by its sender,
 * carries the channel's nid, is within the time window of the block and appears once. Throws BlockRejected.
 */
export function blockTransactions(env: ExecutionEnv, block: Block): Transaction[] {
  const seen = new Set<string>();
  const blockTime = BigInt(block.header!.timestamp);
  return block.transactions.map((bytes, i) => {
    let tx: Transaction;
    try {
      tx = decodeTransaction(bytes);
      verifyTransaction(tx);
    } catch (e) {
      throw new BlockRejected('BAD_TRANSACTION', `transaction ${i}: ${(e as Error).message}`);
    }
    if (tx.nid !== env.config.nid)
      throw new BlockRejected('BAD_TRANSACTION', `transaction ${i}: nid 0x${tx.nid.toString(16)}`);
    const drift = tx.timestamp > blockTime ? tx.timestamp - blockTime : blockTime - tx.timestamp;
    if (drift > env.txWindowUs)
      throw new BlockRejected('BAD_TRANSACTION', `transaction ${i}: timestamp outside the block's window`);
    const key = bytesToHex(tx.hash);
    if (seen.has(key)) throw new BlockRejected('BAD_TRANSACTION', `transaction ${i} appears twice`);
    seen.add(key);
    return tx;
  });
}

export interface ExpectedHeader {
  readonly validatorsHash: Uint8Array;
  readonly nextValidatorsHash: Uint8Array;
  /** Latest acceptable block time: the local clock plus the allowed drift (DESIGN §4 Time). */
  readonly maxTimestamp: bigint;
}

function expectEqual(a: Uint8Array | number, b: Uint8Array | number, what: string): void {
  const same = typeof a === 'number' ? a === b : equalBytes(a, b as Uint8Array);
  if (!same) throw new BlockRejected('ROOT_MISMATCH', `${what} differs from this node's execution`);
}

/**
 * Re-executes a received block on `parent` (transactions from blockTransactions) and checks every root.
 * Throws BlockRejected; a certificate issuance that does not match makes the block invalid.
 */
export function executeBlock(
  env: ExecutionEnv,
  parent: ParentRef,
  block: Block,
  hash: Uint8Array,
  transactions: readonly Transaction[],
  expected: ExpectedHeader,
): ExecutedBlock {
  const h = block.header!;
  if (h.channel !== env.config.channel)
    throw new BlockRejected('WRONG_CHANNEL', `block of channel ${h.channel}`);
  if (h.height !== parent.height + 1 || !equalBytes(h.prevHash, parent.hash))
    throw new BlockRejected('WRONG_PARENT', `block ${h.height} does not extend ${parent.height}`);
  const timestamp = BigInt(h.timestamp);
  if (timestamp <= parent.timestamp)
    throw new BlockRejected('BAD_TIMESTAMP', 'block time is not after its parent');
  if (timestamp > expected.maxTimestamp)
    throw new BlockRejected('BAD_TIMESTAMP', 'block time is too far ahead of this node');
  try {
    verifyBlockSignature(block);
  } catch (e) {
    throw new BlockRejected('BAD_SIGNATURE', (e as Error).message);
  }
  expectEqual(h.validatorsHash, expected.validatorsHash, 'validatorsHash');
  expectEqual(h.nextValidatorsHash, expected.nextValidatorsHash, 'nextValidatorsHash');
  const proposerCa = env.validatorCas.get(bytesToHex(h.proposer));
  const record =
    block.issuance === undefined
      ? undefined
      : { issuerCertificate: block.issuance.issuerCertificate, signatures: block.issuance.signatures };
  if (record !== undefined && (proposerCa === undefined || env.config.pki === undefined))
    throw new BlockRejected('INVALID_ISSUANCE', 'the block records an issuance its proposer cannot make');
  const signer =
    proposerCa !== undefined && env.config.pki !== undefined
      ? new ValidatingBlockIssuer(profileOf(env, h.height, parent.hash, timestamp), record, {
          validatorCa: proposerCa,
          ...(env.popWorker === undefined ? {} : { signatureChecks: env.popWorker }),
        })
      : undefined;
  let result: ApplyResult;
  try {
    result = applyBlock(
      parent.state,
      { transactions },
      contextOf(env, h.height, timestamp, parent.hash, signer, transactions),
    );
  } catch (e) {
    if (e instanceof LoopchainError && e.code === 'BLOCK_INVALID')
      throw new BlockRejected('INVALID_ISSUANCE', e.message);
    throw e;
  }
  expectEqual(h.transactionsRoot, result.roots.transactionsRoot, 'transactionsRoot');
  expectEqual(h.receiptsRoot, result.roots.receiptsRoot, 'receiptsRoot');
  expectEqual(h.stateRoot, result.roots.stateRoot, 'stateRoot');
  expectEqual(h.certLogRoot, result.certLog.root, 'certLogRoot');
  expectEqual(h.certLogSize, result.certLog.size, 'certLogSize');
  return { block, bytes: encodeBlock(block), hash, summary: summarize(block, hash), transactions, result };
}
