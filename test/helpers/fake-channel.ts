/**
 * An in-memory ChannelPort for the JSON-RPC server's tests. Blocks are real: built with the ledger's functions
 * (transactions root, receipts root, header-Merkle hash, proposer signature, a QC of the parent) and checked
 * with checkBlockShape and verifyBlockSignature, so the API serves the same objects the node will.
 * Execution is pluggable: a scripted executor by default, or one backed by the real SCORE runtime.
 */
import type { ChannelPort, CommittedBlock, CommittedTx } from '../../src/api/port.js';
import type { IconValue } from '../../src/codec/icon-serialize.js';
import { sha3_256 } from '../../src/codec/hash.js';
import { bytesToHex } from '../../src/codec/hex.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { publicKeyOf, signRecoverable } from '../../src/crypto/secp256k1.js';
import { LoopchainError } from '../../src/errors.js';
import {
  blockHash,
  checkBlockShape,
  signBlock,
  transactionsRoot,
  validatorsHash,
  verifyBlockSignature,
  type Block,
  type BlockHeader,
} from '../../src/ledger/block.js';
import {
  encodeTransaction,
  parseTransaction,
  signTransaction,
  txHashHex,
  type Transaction,
  type TxParams,
} from '../../src/ledger/transaction.js';
import type { IconApiEntry } from '../../src/score/api.js';
import { ScoreError } from '../../src/score/errors.js';
import type { CallQuery } from '../../src/score/query.js';
import { encodeReceipt, receiptHash, receiptsRoot, type Receipt } from '../../src/score/receipt.js';

export interface FakeExecutor {
  /** Receipts of `txs` executed in a block at `height`, in order. */
  execute(txs: readonly Transaction[], height: number): Receipt[];
  call(query: CallQuery): IconValue | null;
  scoreApi(address: string): IconApiEntry[];
}

export interface Account {
  readonly key: Uint8Array;
  readonly address: `hx${string}`;
}

export function account(label: string): Account {
  const key = sha3_256(`fake-channel:${label}`);
  return { key, address: addressFromPublicKey(publicKeyOf(key)) };
}

export const PROPOSER = account('proposer');
export const ALICE = account('alice');
/** The one SCORE of the scripted executor. */
export const FAKE_SCORE = `cx${'00'.repeat(19)}aa`;
export const GENESIS_TIME = 1_764_460_800_000_000;

let nonce = 0;

/** Signed wire params of a call transaction (what a client posts); `overrides` apply before signing. */
export function signedCall(
  method: string,
  opts: { nid?: string; from?: Account; to?: string; overrides?: Partial<TxParams> } = {},
): TxParams {
  nonce += 1;
  const from = opts.from ?? ALICE;
  return signTransaction(
    {
      version: '0x3',
      from: from.address,
      to: opts.to ?? FAKE_SCORE,
      stepLimit: '0x100000',
      timestamp: `0x${(GENESIS_TIME + nonce).toString(16)}`,
      nid: opts.nid ?? '0x7',
      nonce: `0x${nonce.toString(16)}`,
      dataType: 'call',
      data: { method, params: { n: `0x${nonce.toString(16)}` } },
      ...opts.overrides,
    },
    from.key,
  );
}

/**
 * Scripted execution: transactions calling `fail` fail with SCORE_REVERT, others succeed with one event.
 * icx_call on FAKE_SCORE: `hello` -> "world", `echo` -> params.value, `nothing` -> null, `revert` reverts with
 * scoreCode 7, `write` is not readonly, `boom` throws a plain Error (a host bug).
 */
export const scriptedExecutor: FakeExecutor = {
  execute(txs, height) {
    return txs.map((tx, txIndex): Receipt => {
      const data = tx.params.data;
      const method = typeof data === 'object' && 'method' in data ? data.method : undefined;
      const base = { txHash: txHashHex(tx), blockHeight: height, txIndex, to: tx.to };
      if (method === 'fail') {
        return {
          ...base,
          status: 0,
          failure: { code: 'SCORE_REVERT', message: 'failed on purpose', scoreCode: '1' },
          eventLogs: [],
        };
      }
      return {
        ...base,
        status: 1,
        eventLogs: [{ scoreAddress: tx.to, indexed: ['Called(str)', method ?? ''], data: [] }],
      };
    });
  },
  call(query) {
    if (query.to !== FAKE_SCORE) throw new ScoreError('SCORE_NOT_FOUND', `no SCORE at ${query.to}`);
    switch (query.method) {
      case 'hello':
        return 'world';
      case 'echo':
        return query.params?.value ?? null;
      case 'nothing':
        return null;
      case 'revert':
        throw new ScoreError('SCORE_REVERT', 'not allowed', { scoreCode: '7' });
      case 'write':
        throw new ScoreError('METHOD_NOT_READONLY', 'write is not readonly');
      case 'boom':
        throw new Error('secret internal detail /home/node/db');
      default:
        throw new ScoreError('METHOD_NOT_FOUND', `no method ${query.method}`);
    }
  },
  scoreApi(address) {
    if (address !== FAKE_SCORE) throw new ScoreError('SCORE_NOT_FOUND', `no SCORE at ${address}`);
    return [
      { type: 'function', name: 'hello', inputs: [], outputs: [{ type: 'str' }], readonly: '0x1' },
      { type: 'function', name: 'poke', inputs: [{ name: 'n', type: 'int' }] },
      { type: 'eventlog', name: 'Called', inputs: [{ name: 'method', type: 'str', indexed: '0x1' }] },
    ];
  },
};

type Waiter = (c: CommittedTx) => void;

export class FakeChannel implements ChannelPort {
  readonly channel: string;
  readonly nid: string;
  readonly blocks: CommittedBlock[] = [];
  readonly pending = new Map<string, Transaction>();
  readonly submitted: Transaction[] = [];
  /** When set, submit throws what it returns (after the nid check passes). */
  failSubmit: ((tx: Transaction) => Error | undefined) | undefined;
  /** When set, every port method throws it (an infrastructure failure). */
  broken: Error | undefined;
  private readonly executor: FakeExecutor;
  private readonly byHash = new Map<string, CommittedBlock>();
  private readonly txs = new Map<string, CommittedTx>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(opts: { channel?: string; nid?: string; executor?: FakeExecutor } = {}) {
    this.channel = opts.channel ?? 'chat';
    this.nid = opts.nid ?? '0x7';
    this.executor = opts.executor ?? scriptedExecutor;
    this.append([]);
  }

  private check(): void {
    if (this.broken !== undefined) throw this.broken;
  }

  async submit(tx: Transaction): Promise<void> {
    this.check();
    const key = bytesToHex(tx.hash);
    if (`0x${tx.nid.toString(16)}` !== this.nid) {
      throw new LoopchainError('WRONG_NID', `nid ${tx.params.nid} is not this channel's ${this.nid}`);
    }
    const injected = this.failSubmit?.(tx);
    if (injected !== undefined) throw injected;
    if (this.txs.has(key)) throw new LoopchainError('ALREADY_COMMITTED', 'transaction is already committed');
    if (this.pending.has(key)) throw new LoopchainError('DUPLICATE', 'transaction is already pending');
    this.pending.set(key, tx);
    this.submitted.push(tx);
  }

  isPending(hash: Uint8Array): boolean {
    this.check();
    return this.pending.has(bytesToHex(hash));
  }

  async lastBlock(): Promise<CommittedBlock> {
    this.check();
    return this.blocks[this.blocks.length - 1]!;
  }

  async blockByHeight(height: number): Promise<CommittedBlock | undefined> {
    this.check();
    return this.blocks[height];
  }

  async blockByHash(hash: Uint8Array): Promise<CommittedBlock | undefined> {
    this.check();
    return this.byHash.get(bytesToHex(hash));
  }

  async transaction(hash: Uint8Array): Promise<CommittedTx | undefined> {
    this.check();
    return this.txs.get(bytesToHex(hash));
  }

  waitCommitted(hash: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<CommittedTx | undefined> {
    const key = bytesToHex(hash);
    const done = this.txs.get(key);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise((resolve) => {
      const set = this.waiters.get(key) ?? new Set<Waiter>();
      this.waiters.set(key, set);
      const finish = (c: CommittedTx | undefined): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(waiter);
        resolve(c);
      };
      const waiter: Waiter = (c) => finish(c);
      const onAbort = (): void => finish(undefined);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      set.add(waiter);
      if (signal?.aborted === true) finish(undefined);
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of requests waiting in waitCommitted (to see aborts take effect). */
  waiterCount(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }

  call(query: CallQuery): IconValue | null {
    this.check();
    return this.executor.call(query);
  }

  scoreApi(address: string): IconApiEntry[] {
    this.check();
    return this.executor.scoreApi(address);
  }

  /** Commits every pending transaction in one new block; returns it. */
  commitPending(): CommittedBlock {
    const txs = [...this.pending.values()];
    this.pending.clear();
    return this.append(txs);
  }

  /** Puts a transaction in the mempool without going through submit (e.g. gossiped from a peer). */
  addPending(params: TxParams): Transaction {
    const tx = parseTransaction(params);
    this.pending.set(bytesToHex(tx.hash), tx);
    return tx;
  }

  private append(txs: readonly Transaction[]): CommittedBlock {
    const height = this.blocks.length;
    const parent = this.blocks[height - 1];
    const receipts = this.executor.execute(txs, height);
    const proposer = Buffer.from(PROPOSER.address.slice(2), 'hex');
    const header: BlockHeader = {
      version: 1,
      channel: this.channel,
      height,
      round: height === 0 ? 0 : 1,
      prevHash: parent === undefined ? new Uint8Array(0) : parent.hash,
      timestamp: GENESIS_TIME + height * 1_000_000,
      proposer: height === 0 ? new Uint8Array(0) : proposer,
      transactionsRoot: transactionsRoot(txs.map((t) => t.hash)),
      receiptsRoot: receiptsRoot(receipts.map((r) => receiptHash(encodeReceipt(r)))),
      stateRoot: sha3_256(`state ${height}`),
      certLogRoot: sha3_256(''),
      certLogSize: 0,
      validatorsHash: validatorsHash([proposer]),
      nextValidatorsHash: validatorsHash([proposer]),
      justify:
        parent === undefined
          ? undefined
          : {
              qc: {
                height: height - 1,
                round: 1,
                blockHash: parent.hash,
                votes: [{ validator: proposer, signature: signRecoverable(parent.hash, PROPOSER.key) }],
              },
              tc: undefined,
            },
    };
    const block: Block = {
      header,
      signature: height === 0 ? new Uint8Array(0) : signBlock(header, PROPOSER.key),
      transactions: txs.map((t) => encodeTransaction(t)),
      issuance: undefined,
    };
    checkBlockShape(block);
    verifyBlockSignature(block);
    const committed: CommittedBlock = { block, hash: blockHash(header), transactions: txs };
    this.blocks.push(committed);
    this.byHash.set(bytesToHex(committed.hash), committed);
    txs.forEach((tx, i) => {
      const key = bytesToHex(tx.hash);
      const c: CommittedTx = {
        tx,
        receipt: receipts[i]!,
        blockHeight: height,
        blockHash: committed.hash,
        txIndex: i,
      };
      this.txs.set(key, c);
      for (const w of [...(this.waiters.get(key) ?? [])]) w(c);
      this.waiters.delete(key);
    });
    return committed;
  }
}
