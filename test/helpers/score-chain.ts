/**
 * A small in-memory chain for SCORE runtime tests and benchmarks: fixed keys, signed transactions, fixture
 * bundles built once per process, and blocks applied with applyBlock and committed into a CommittedState as
 * the node would (commit → storage batch → apply).
 */
import { join } from 'node:path';
import type { IconValue } from '../../src/codec/icon-serialize.js';
import { sha3_256 } from '../../src/codec/hash.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import {
  parseTransaction,
  signTransaction,
  type Transaction,
  type TxParams,
} from '../../src/ledger/transaction.js';
import { applyBlock, commit, type ApplyResult } from '../../src/score/apply-block.js';
import { bundleContract, deployData, PROJECT_ROOT, type ScoreBundle } from '../../src/score/bundle.js';
import type { BlockContext } from '../../src/score/execution.js';
import type { GenesisScore } from '../../src/score/genesis.js';
import { CommittedState, type StateView } from '../../src/score/overlay.js';
import { call as icxCall } from '../../src/score/query.js';
import type { Receipt } from '../../src/score/receipt.js';

export const GOVERNANCE = `cx${'00'.repeat(19)}01`;
export const CX_ZERO = `cx${'00'.repeat(20)}`;

export interface Account {
  readonly key: Uint8Array;
  readonly address: `hx${string}`;
}

export function account(label: string): Account {
  const key = sha3_256(`score-test-key:${label}`);
  return { key, address: addressFromPublicKey(publicKeyOf(key)) };
}

export const admin = account('admin');
export const alice = account('alice');
export const mallory = account('mallory');

const bundles = new Map<string, Promise<ScoreBundle>>();

/** The bundle of test/fixtures/contracts/<name>, built once per process. */
export function fixture(name: string): Promise<ScoreBundle> {
  let b = bundles.get(name);
  if (b === undefined) {
    b = bundleContract(join(PROJECT_ROOT, 'test/fixtures/contracts', name, 'index.ts'));
    bundles.set(name, b);
  }
  return b;
}

export function ctxAt(height: number, overrides: Partial<BlockContext> = {}): BlockContext {
  return {
    channel: 'test',
    height,
    timestamp: 1_700_000_000_000_000n + BigInt(height) * 1_000_000n,
    parentHash: height === 0 ? new Uint8Array(0) : sha3_256(`block ${height - 1}`),
    governanceAddress: GOVERNANCE,
    ...overrides,
  };
}

let nonce = 0;

export function signedTx(
  from: Account,
  to: string,
  body: Pick<TxParams, 'dataType' | 'data' | 'value'>,
): Transaction {
  nonce += 1;
  const params = signTransaction(
    {
      version: '0x3',
      from: from.address,
      to,
      stepLimit: '0x1000000',
      timestamp: `0x${(1_700_000_000_000_000 + nonce).toString(16)}`,
      nid: '0x1',
      nonce: `0x${nonce.toString(16)}`,
      ...body,
    },
    from.key,
  );
  return parseTransaction(params);
}

export function callTx(
  from: Account,
  to: string,
  method: string,
  params?: Record<string, IconValue>,
): Transaction {
  return signedTx(from, to, {
    dataType: 'call',
    data: params === undefined ? { method } : { method, params },
  });
}

export function deployTx(from: Account, to: string, bundle: ScoreBundle | string): Transaction {
  const data =
    typeof bundle === 'string'
      ? { contentType: 'application/javascript', content: `0x${Buffer.from(bundle, 'utf8').toString('hex')}` }
      : deployData(bundle);
  return signedTx(from, to, { dataType: 'deploy', data });
}

/** A chain whose blocks are applied and committed in memory. */
export class TestChain {
  private constructor(public state: CommittedState) {}

  /** Genesis with the fake governance (admin: `admin`) and any other built-ins. */
  static async start(builtins: GenesisScore[] = [], ctx: Partial<BlockContext> = {}): Promise<TestChain> {
    const governance = await fixture('fake-governance');
    const chain = new TestChain(CommittedState.empty());
    chain.block([], ctx, [
      {
        address: GOVERNANCE,
        code: governance.code,
        deployer: admin.address,
        params: { admin: admin.address },
      },
      ...builtins,
    ]);
    return chain;
  }

  get height(): number {
    return this.state.height;
  }

  /** Applies and commits the next block. */
  block(transactions: Transaction[], ctx: Partial<BlockContext> = {}, genesis?: GenesisScore[]): ApplyResult {
    const result = applyBlock(
      this.state,
      { transactions, ...(genesis === undefined ? {} : { genesis }) },
      ctxAt(this.height + 1, ctx),
    );
    commit(result.state);
    this.state.apply(result.state);
    return result;
  }

  query(
    to: string,
    method: string,
    params?: Record<string, IconValue>,
    ctx: Partial<BlockContext> & { from?: string } = {},
  ): IconValue | null {
    const { from, ...overrides } = ctx;
    return icxCall(
      this.state,
      { to, method, ...(params === undefined ? {} : { params }), ...(from === undefined ? {} : { from }) },
      ctxAt(this.height, overrides),
    );
  }

  /** Deploys a bundle (as `admin`) and approves it through the fake governance; returns its address. */
  deployActive(bundle: ScoreBundle | string): string {
    const deployed = this.block([deployTx(admin, CX_ZERO, bundle)]).receipts[0]!;
    if (deployed.status !== 1) throw new Error(`deploy failed: ${JSON.stringify(deployed.failure)}`);
    const address = deployed.scoreAddress!;
    const approved = this.block([callTx(admin, GOVERNANCE, 'approve', { address, version: '0x1' })])
      .receipts[0]!;
    if (approved.status !== 1) throw new Error(`approval failed: ${JSON.stringify(approved.failure)}`);
    return address;
  }

  view(): StateView {
    return this.state;
  }
}

/** A hand-written bundle (no esbuild): `members` is the class body after its api. */
export function rawScore(
  members: string,
  api = '{ methods: { run: { readonly: false, params: [] } }, events: {} }',
  top = '',
): string {
  return `var __score = (() => {\n${top}\nclass S {\n static api = ${api};\n ${members}\n}\nreturn { default: S };\n})();\n`;
}

export interface GenesisMember {
  readonly address: string;
  readonly name: string;
  readonly roles: readonly string[];
}

/**
 * Genesis with the real governance SCORE of contracts/ (threshold 2 of the given admins) and other contracts
 * of contracts/ at fixed addresses, all owned by `owner`; returns the committed state.
 */
export async function contractGenesis(
  owner: Account,
  members: readonly GenesisMember[],
  others: readonly { readonly name: string; readonly address: string }[],
  ctx: BlockContext = ctxAt(0),
  config: Record<string, IconValue> = {},
): Promise<CommittedState> {
  const bundle = (name: string) => bundleContract(join(PROJECT_ROOT, 'contracts', name, 'index.ts'));
  const [governance, ...rest] = await Promise.all(['governance', ...others.map((o) => o.name)].map(bundle));
  const state = CommittedState.empty();
  const genesis = applyBlock(
    state,
    {
      transactions: [],
      genesis: [
        {
          address: GOVERNANCE,
          code: governance!.code,
          deployer: owner.address,
          params: {
            config: {
              threshold: '0x2',
              members: members.map((m) => ({ ...m, roles: [...m.roles] })),
              ...config,
            },
          },
        },
        ...others.map((o, i) => ({ address: o.address, code: rest[i]!.code, deployer: owner.address })),
      ],
    },
    ctx,
  );
  commit(genesis.state);
  state.apply(genesis.state);
  return state;
}

/** The failure code of a receipt: the SCORE's own revert code when it has one. */
export function failureOf(r: Receipt): string | undefined {
  return r.failure?.scoreCode ?? r.failure?.code;
}
