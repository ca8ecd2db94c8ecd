/**
 * The proposal book: every proposal by id (1, 2, …), plus one list per status so that pending proposals
 * can be paged without scanning closed ones. The pending list is kept dense by swap-remove; the executed
 * and rejected lists only grow, in closing order.
 */
import { ArrayDB, DictDB, VarDB } from '../../src/score/sdk/index.js';
import { hex } from './fields.js';
import type { ProposalKind } from './payloads.js';

export const PROPOSAL_STATUSES = ['pending', 'executed', 'rejected'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export interface Rejection {
  readonly admin: string;
  readonly reason: string;
}

/** As stored (JSON-safe: ints as 0x-hex, also inside the payload). */
export interface ProposalRecord {
  readonly id: string;
  readonly kind: ProposalKind;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly proposer: string;
  readonly status: ProposalStatus;
  /** Admins who approved, in order; the proposer first. */
  readonly approvals: readonly string[];
  readonly rejections: readonly Rejection[];
  readonly createdAt: string;
  readonly closedAt?: string;
}

export interface ProposalView {
  readonly id: bigint;
  readonly kind: ProposalKind;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly proposer: string;
  readonly status: ProposalStatus;
  readonly approvals: readonly string[];
  readonly rejections: readonly Rejection[];
  readonly createdAt: bigint;
  readonly closedAt?: bigint;
}

export class ProposalBook {
  private readonly records = new DictDB('proposals', 'json');
  private readonly count = new VarDB('proposals.count', 'int');
  private readonly pending = new ArrayDB('proposals.pending', 'int');
  private readonly pendingPosition = new DictDB('proposals.pendingPosition', 'int');
  private readonly executed = new ArrayDB('proposals.executed', 'int');
  private readonly rejected = new ArrayDB('proposals.rejected', 'int');

  get(id: bigint): ProposalRecord | undefined {
    return this.records.get(hex(id)) as ProposalRecord | undefined;
  }

  create(
    kind: ProposalKind,
    payload: Record<string, unknown>,
    proposer: string,
    height: bigint,
  ): ProposalRecord {
    const id = (this.count.get() ?? 0n) + 1n;
    const record: ProposalRecord = {
      id: hex(id),
      kind,
      payload,
      proposer,
      status: 'pending',
      approvals: [proposer],
      rejections: [],
      createdAt: hex(height),
    };
    this.records.set(hex(id), record);
    this.count.set(id);
    this.pendingPosition.set(hex(id), BigInt(this.pending.length));
    this.pending.push(id);
    return record;
  }

  /** Stores changed votes of a pending proposal. */
  update(record: ProposalRecord): void {
    this.records.set(record.id, record);
  }

  close(record: ProposalRecord, status: 'executed' | 'rejected', height: bigint): ProposalRecord {
    const closed: ProposalRecord = { ...record, status, closedAt: hex(height) };
    this.records.set(record.id, closed);
    const pos = this.pendingPosition.get(record.id);
    if (pos === undefined) throw new Error(`proposal ${record.id} is not pending`);
    const last = this.pending.pop();
    if (last !== undefined && hex(last) !== record.id) {
      this.pending.set(Number(pos), last);
      this.pendingPosition.set(hex(last), pos);
    }
    this.pendingPosition.remove(record.id);
    (status === 'executed' ? this.executed : this.rejected).push(BigInt(record.id));
    return closed;
  }

  total(status?: ProposalStatus): number {
    return status === undefined ? Number(this.count.get() ?? 0n) : this.listOf(status).length;
  }

  /** The proposal at `index` of the status list, or of all proposals in id order. */
  at(index: number, status?: ProposalStatus): ProposalRecord | undefined {
    const id = status === undefined ? BigInt(index + 1) : this.listOf(status).get(index);
    return id === undefined ? undefined : this.get(id);
  }

  private listOf(status: ProposalStatus): ArrayDB<'int'> {
    return status === 'pending' ? this.pending : status === 'executed' ? this.executed : this.rejected;
  }
}

export function proposalView(r: ProposalRecord): ProposalView {
  return {
    id: BigInt(r.id),
    kind: r.kind,
    payload: r.payload,
    proposer: r.proposer,
    status: r.status,
    approvals: [...r.approvals],
    rejections: r.rejections.map((x) => ({ ...x })),
    createdAt: BigInt(r.createdAt),
    ...(r.closedAt === undefined ? {} : { closedAt: BigInt(r.closedAt) }),
  };
}
