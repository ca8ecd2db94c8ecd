/**
 * The ICON v3 JSON shapes the API answers with, built from the channel's data.
 *
 * Blocks use ICON's legacy block JSON — what goloop's icx_getBlockByHeight returns and what icon-sdk-js 1.5.3's
 * `toBlock` requires (height, block_hash, merkle_tree_root_hash, prev_block_hash, peer_id,
 * confirmed_transaction_list, signature, time_stamp, version): `height` and `time_stamp` are JSON numbers and the
 * hashes are hex without `0x`. Our header fields ICON has no name for follow under v3 names (camelCase, `0x`
 * hex), so every header field of the block hash is in the answer and a client can recompute the hash.
 */
import { bytesToHex, toHexInt } from '../codec/hex.js';
import { BLOCK_VERSION, proposerAddress } from '../ledger/block.js';
import type { QuorumCertificate } from '../ledger/block.js';
import { txHashHex, type Transaction, type TxParams } from '../ledger/transaction.js';
import { toTransactionResult, type TransactionResultJson } from '../score/receipt.js';
import type { CommittedBlock, CommittedTx } from './port.js';

const hex0x = (b: Uint8Array): string => `0x${bytesToHex(b)}`;
const base64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const hxOf = (account: Uint8Array): string => `hx${bytesToHex(account)}`;

export type ConfirmedTransactionJson = TxParams & { txHash: string };
export type TransactionJson = ConfirmedTransactionJson & {
  txIndex: string;
  blockHeight: string;
  blockHash: string;
};

export interface QcJson {
  height: string;
  round: string;
  blockHash: string;
  votes: { validator: string; signature: string }[];
}

export interface JustifyJson {
  qc?: QcJson;
  tc?: {
    round: string;
    timeouts: { validator: string; highQcRound: string; signature: string }[];
    highQc?: QcJson;
  };
}

export interface BlockJson {
  // ICON legacy block JSON (icon-sdk-js Block)
  version: string;
  height: number;
  block_hash: string;
  prev_block_hash: string;
  merkle_tree_root_hash: string;
  time_stamp: number;
  peer_id: string;
  signature: string;
  confirmed_transaction_list: ConfirmedTransactionJson[];
  // loopchain CA header fields (v3 naming)
  channel: string;
  round: string;
  receiptsRoot: string;
  stateRoot: string;
  certLogRoot: string;
  certLogSize: string;
  validatorsHash: string;
  nextValidatorsHash: string;
  justify: JustifyJson | null;
  /** The block's certificate issuance record (not a header field), when it has one. */
  issuance?: { issuerCertificate: string; signatures: { tbsSha256: string; signature: string }[] };
}

export function confirmedTransactionJson(tx: Transaction): ConfirmedTransactionJson {
  return { ...tx.params, txHash: txHashHex(tx) };
}

function qcJson(qc: QuorumCertificate): QcJson {
  return {
    height: toHexInt(qc.height),
    round: toHexInt(qc.round),
    blockHash: hex0x(qc.blockHash),
    votes: qc.votes.map((v) => ({ validator: hxOf(v.validator), signature: base64(v.signature) })),
  };
}

export function blockJson(b: CommittedBlock): BlockJson {
  const h = b.block.header;
  if (h === undefined) throw new Error('committed block without a header');
  const genesis = h.height === 0;
  const justify = h.justify;
  return {
    version: toHexInt(h.version === 0 ? BLOCK_VERSION : h.version),
    height: h.height,
    block_hash: bytesToHex(b.hash),
    prev_block_hash: bytesToHex(h.prevHash),
    merkle_tree_root_hash: bytesToHex(h.transactionsRoot),
    time_stamp: h.timestamp,
    peer_id: genesis ? '' : proposerAddress(h),
    signature: base64(b.block.signature),
    confirmed_transaction_list: b.transactions.map(confirmedTransactionJson),
    channel: h.channel,
    round: toHexInt(h.round),
    receiptsRoot: hex0x(h.receiptsRoot),
    stateRoot: hex0x(h.stateRoot),
    certLogRoot: hex0x(h.certLogRoot),
    certLogSize: toHexInt(h.certLogSize),
    validatorsHash: hex0x(h.validatorsHash),
    nextValidatorsHash: hex0x(h.nextValidatorsHash),
    justify:
      justify === undefined
        ? null
        : {
            ...(justify.qc === undefined ? {} : { qc: qcJson(justify.qc) }),
            ...(justify.tc === undefined
              ? {}
              : {
                  tc: {
                    round: toHexInt(justify.tc.round),
                    timeouts: justify.tc.timeouts.map((t) => ({
                      validator: hxOf(t.validator),
                      highQcRound: toHexInt(t.highQcRound),
                      signature: base64(t.signature),
                    })),
                    ...(justify.tc.highQc === undefined ? {} : { highQc: qcJson(justify.tc.highQc) }),
                  },
                }),
          },
    ...(b.block.issuance === undefined
      ? {}
      : {
          issuance: {
            issuerCertificate: base64(b.block.issuance.issuerCertificate),
            signatures: b.block.issuance.signatures.map((s) => ({
              tbsSha256: hex0x(s.tbsSha256),
              signature: base64(s.signature),
            })),
          },
        }),
  };
}

/** icx_getTransactionByHash: the transaction as sent, with its hash and place (goloop adds the same three). */
export function transactionJson(c: CommittedTx): TransactionJson {
  return {
    ...confirmedTransactionJson(c.tx),
    txIndex: toHexInt(c.txIndex),
    blockHeight: toHexInt(c.blockHeight),
    blockHash: hex0x(c.blockHash),
  };
}

export function transactionResultJson(c: CommittedTx): TransactionResultJson {
  return toTransactionResult(c.receipt, c.blockHash);
}
