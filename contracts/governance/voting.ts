/**
 * How admins decide on proposals. Only votes of admins who are still admins count, so removing an admin
 * also withdraws its votes. A proposal takes effect when its approvals reach the threshold; it is rejected
 * once so many admins have voted against it that the threshold can no longer be reached.
 */
import { emit, require_ } from '../../src/score/sdk/index.js';
import { applyAction, checkAction, type GovernanceState } from './actions.js';
import { asReason, hex } from './fields.js';
import { isProposalKind, parseAction, payloadOf } from './payloads.js';
import type { ProposalBook, ProposalRecord } from './proposals.js';

export interface Governance extends GovernanceState {
  readonly proposals: ProposalBook;
}

export function requireAdmin(g: Governance, sender: string | undefined): string {
  require_(
    sender !== undefined && g.members.hasRole(sender, 'admin'),
    'NOT_ADMIN',
    'only an admin may do this',
  );
  return sender;
}

/** Creates a proposal carrying the proposer's approval; with a threshold of 1 it takes effect at once. */
export function propose(
  g: Governance,
  sender: string,
  kind: string,
  payload: unknown,
  height: bigint,
): bigint {
  require_(isProposalKind(kind), 'UNKNOWN_PROPOSAL_KIND', `kind: '${kind}' is not a proposal kind`);
  const action = parseAction(kind, payload);
  checkAction(g, action, height);
  const record = g.proposals.create(kind, payloadOf(action), sender, height);
  emit('ProposalCreated', [record.id, kind, sender], [JSON.stringify(record.payload)]);
  emit('ProposalApproved', [record.id, sender], [hex(1n), hex(threshold(g))]);
  executeIfApproved(g, record, height);
  return BigInt(record.id);
}

export function approve(g: Governance, sender: string, id: bigint, height: bigint): void {
  const record = pendingProposal(g, id);
  requireNotVoted(record, sender);
  const updated: ProposalRecord = { ...record, approvals: [...record.approvals, sender] };
  g.proposals.update(updated);
  emit('ProposalApproved', [updated.id, sender], [hex(approvals(g, updated)), hex(threshold(g))]);
  executeIfApproved(g, updated, height);
}

export function reject(g: Governance, sender: string, id: bigint, reason: string, height: bigint): void {
  const record = pendingProposal(g, id);
  asReason(reason, 'reason', 'INVALID_PARAMS');
  requireNotVoted(record, sender);
  const updated: ProposalRecord = {
    ...record,
    rejections: [...record.rejections, { admin: sender, reason }],
  };
  g.proposals.update(updated);
  const against = rejections(g, updated);
  emit('ProposalRejectionVoted', [updated.id, sender], [reason, hex(against)]);
  if (g.members.adminCount() - against < threshold(g)) {
    g.proposals.close(updated, 'rejected', height);
    emit('ProposalRejected', [updated.id], [reason]);
  }
}

/**
 * Carries out a proposal that has enough approvals but did not take effect when the last approval came:
 * the threshold was lowered since, or the action could not be applied then (e.g. a member it names was
 * removed in between, which reverts that approval).
 */
export function execute(g: Governance, id: bigint, height: bigint): void {
  const record = pendingProposal(g, id);
  const have = approvals(g, record);
  require_(
    have >= threshold(g),
    'NOT_ENOUGH_APPROVALS',
    `proposal ${id} has ${have} admin approvals of the ${threshold(g)} needed`,
  );
  run(g, record, height);
}

function executeIfApproved(g: Governance, record: ProposalRecord, height: bigint): void {
  if (approvals(g, record) >= threshold(g)) run(g, record, height);
}

function run(g: Governance, record: ProposalRecord, height: bigint): void {
  g.proposals.close(record, 'executed', height);
  applyAction(g, parseAction(record.kind, record.payload), height);
  emit('ProposalExecuted', [record.id, record.kind]);
}

function pendingProposal(g: Governance, id: bigint): ProposalRecord {
  const record = g.proposals.get(id);
  require_(record !== undefined, 'UNKNOWN_PROPOSAL', `no proposal ${id}`);
  require_(record.status === 'pending', 'PROPOSAL_CLOSED', `proposal ${id} is already ${record.status}`);
  return record;
}

function requireNotVoted(record: ProposalRecord, admin: string): void {
  require_(
    !record.approvals.includes(admin),
    'ALREADY_APPROVED',
    `${admin} already approved proposal ${record.id}`,
  );
  require_(
    !record.rejections.some((r) => r.admin === admin),
    'ALREADY_REJECTED',
    `${admin} already voted against proposal ${record.id}`,
  );
}

function approvals(g: Governance, record: ProposalRecord): bigint {
  return BigInt(record.approvals.filter((a) => g.members.hasRole(a, 'admin')).length);
}

function rejections(g: Governance, record: ProposalRecord): bigint {
  return BigInt(record.rejections.filter((r) => g.members.hasRole(r.admin, 'admin')).length);
}

function threshold(g: Governance): bigint {
  return g.threshold.get() ?? 0n;
}
