/**
 * The governance SCORE: the consortium's tiered system (DESIGN §5). Member institutions hold roles (admin,
 * validator, ra, ocsp, auditor); admins change members, roles, OCSP responder keys, the validator set and
 * the threshold through proposals that take effect once `threshold` admins approve; auditors (and admins)
 * approve or reject SCORE deployments. See docs/governance.md.
 *
 * Only the methods listed in `api` are external; everything else lives in module functions so that the
 * class exposes nothing the runtime could dispatch by mistake.
 */
import { emit, require_, Score, VarDB, type ScoreApi } from '../../src/score/sdk/index.js';
import { GOVERNANCE_API } from './api.js';
import { asReason, hex, isRole, isScoreAddress, ROLES } from './fields.js';
import { MemberRegistry, memberView, type MemberView } from './members.js';
import { parseGenesisConfig } from './payloads.js';
import { page, type Page } from './page.js';
import {
  PROPOSAL_STATUSES,
  ProposalBook,
  proposalView,
  type ProposalStatus,
  type ProposalView,
} from './proposals.js';
import { ResponderKeyRegistry, responderKeyView, type ResponderKeyView } from './responder-keys.js';
import { system } from './system.js';
import { ValidatorSchedule, type ValidatorSet } from './validators.js';
import * as voting from './voting.js';

export default class GovernanceScore extends Score {
  static readonly api: ScoreApi = GOVERNANCE_API;

  private readonly initialized = new VarDB('initialized', 'bool');
  private readonly g: voting.Governance = {
    members: new MemberRegistry(),
    responderKeys: new ResponderKeyRegistry(),
    validators: new ValidatorSchedule(),
    threshold: new VarDB('threshold', 'int'),
    proposals: new ProposalBook(),
  };

  /**
   * The install hook: the host calls it once, at genesis, with the governance part of the genesis config;
   * transactions and queries cannot call it. Sets up members, roles, threshold, the genesis validator set
   * (recorded only: the host takes it from the genesis) and responder keys. The once-only guard is defence
   * in depth.
   */
  on_install(config: unknown): void {
    require_(this.initialized.get() !== true, 'ALREADY_INITIALIZED', 'governance is already initialized');
    const c = parseGenesisConfig(config);
    const height = this.ctx.height;
    for (const m of c.members) {
      this.g.members.add(m.address, m.name, m.roles, height);
      emit('MemberAdmitted', [m.address], [m.name, m.roles.join(',')]);
    }
    this.g.threshold.set(c.threshold);
    if (c.validatorSet.length > 0) this.g.validators.add(0n, c.validatorSet);
    for (const k of c.responderKeys) {
      const id = this.g.responderKeys.register(k.responder, k.publicKey, k.name, height);
      emit('ResponderKeyRegistered', [hex(id), k.responder], [k.publicKey, k.name]);
    }
    this.initialized.set(true);
    emit('Initialized', [], [hex(c.threshold), hex(BigInt(c.members.length)), c.validatorSet.join(',')]);
  }

  /** Admin only. The proposal starts with the proposer's approval; returns its id. */
  propose(kind: string, payload: unknown): bigint {
    const sender = voting.requireAdmin(this.g, this.ctx.sender);
    return voting.propose(this.g, sender, kind, payload, this.ctx.height);
  }

  /** Admin only; takes effect when this approval reaches the threshold. */
  approve(id: bigint): void {
    const sender = voting.requireAdmin(this.g, this.ctx.sender);
    voting.approve(this.g, sender, id, this.ctx.height);
  }

  /** Admin only; a vote against, which closes the proposal once the threshold is out of reach. */
  reject(id: bigint, reason: string): void {
    const sender = voting.requireAdmin(this.g, this.ctx.sender);
    voting.reject(this.g, sender, id, reason, this.ctx.height);
  }

  /** Admin only; carries out a pending proposal whose approvals already reach the threshold. */
  execute(id: bigint): void {
    voting.requireAdmin(this.g, this.ctx.sender);
    voting.execute(this.g, id, this.ctx.height);
  }

  /** Auditor or admin; asks the host to activate a pending SCORE version (ICON's audit). */
  approveDeployment(address: string, version: bigint): void {
    const auditor = requireAuditor(this.g, this.ctx.sender, address, version);
    system('approveDeployment', { address, version: hex(version) });
    emit('DeploymentApproved', [address, auditor], [hex(version)]);
  }

  /** Auditor or admin; asks the host to refuse a pending SCORE version, with the reason kept on chain. */
  rejectDeployment(address: string, version: bigint, reason: string): void {
    const auditor = requireAuditor(this.g, this.ctx.sender, address, version);
    asReason(reason, 'reason', 'INVALID_PARAMS');
    system('rejectDeployment', { address, version: hex(version), reason });
    emit('DeploymentRejected', [address, auditor], [hex(version), reason]);
  }

  /** Any admitted member may deploy; the audit (approveDeployment) is the gate to running the code. */
  canDeploy(address: string): boolean {
    return this.g.members.has(address);
  }

  isMember(address: string): boolean {
    return this.g.members.has(address);
  }

  /** The SCORE Store asks this before letting someone other than the deployer push a new version. */
  isAdmin(address: string): boolean {
    return this.g.members.hasRole(address, 'admin');
  }

  getMember(address: string): MemberView {
    const record = this.g.members.get(address);
    require_(record !== undefined, 'NOT_MEMBER', `${address} is not a member`);
    return memberView(record);
  }

  getMembers(offset: bigint, limit: bigint): Page<MemberView> {
    return page(offset, limit, this.g.members.total(), (i) => {
      const record = this.g.members.at(i);
      return record === undefined ? undefined : memberView(record);
    });
  }

  hasRole(address: string, role: string): boolean {
    require_(isRole(role), 'UNKNOWN_ROLE', `role: '${role}' is not one of ${ROLES.join(', ')}`);
    return this.g.members.hasRole(address, role);
  }

  getProposal(id: bigint): ProposalView {
    const record = this.g.proposals.get(id);
    require_(record !== undefined, 'UNKNOWN_PROPOSAL', `no proposal ${id}`);
    return proposalView(record);
  }

  /** All proposals in id order, or those of one status (pending ones in no particular order). */
  getProposals(offset: bigint, limit: bigint, status?: string | null): Page<ProposalView> {
    // An omitted optional parameter may arrive as undefined (SDK doc) or null (the host's convertParams).
    const s = status ?? undefined;
    require_(
      s === undefined || (PROPOSAL_STATUSES as readonly string[]).includes(s),
      'INVALID_PARAMS',
      `status: must be one of ${PROPOSAL_STATUSES.join(', ')}`,
    );
    const filter = s as ProposalStatus | undefined;
    return page(offset, limit, this.g.proposals.total(filter), (i) => {
      const record = this.g.proposals.at(i, filter);
      return record === undefined ? undefined : proposalView(record);
    });
  }

  /** How many admin approvals a proposal needs; 0 before initialization. */
  getThreshold(): bigint {
    return this.g.threshold.get() ?? 0n;
  }

  /** Every registered key, active and retired, in id order. */
  getResponderKeys(offset: bigint, limit: bigint): Page<ResponderKeyView> {
    return page(offset, limit, this.g.responderKeys.total(), (i) => {
      const record = this.g.responderKeys.get(BigInt(i + 1));
      return record === undefined ? undefined : responderKeyView(record);
    });
  }

  /** The set in effect at the current height and the changes scheduled after it. */
  getValidators(): { fromHeight: bigint; validators: readonly string[]; scheduled: ValidatorSet[] } {
    const { current, scheduled } = this.g.validators.at(this.ctx.height);
    return { fromHeight: current?.fromHeight ?? 0n, validators: current?.validators ?? [], scheduled };
  }
}

function requireAuditor(
  g: voting.Governance,
  sender: string | undefined,
  address: string,
  version: bigint,
): string {
  require_(
    sender !== undefined && (g.members.hasRole(sender, 'auditor') || g.members.hasRole(sender, 'admin')),
    'NOT_AUDITOR',
    'only an auditor or an admin may approve or reject a deployment',
  );
  require_(
    isScoreAddress(address),
    'INVALID_PARAMS',
    'address: must be a SCORE address (cx + 40 hex digits)',
  );
  require_(version >= 0n, 'INVALID_PARAMS', 'version: must be >= 0');
  return sender;
}

export { GovernanceScore };
