/**
 * What each proposal kind does. `checkAction` runs when a proposal is made and again right before it takes
 * effect, because members, keys and the threshold may have changed in between; `applyAction` re-checks, then
 * writes, emits its events and, for `changeValidators`, asks the host (`setValidators`) to switch the
 * validator set at the stated height.
 */
import { emit, revert, require_, type VarDB } from '../../src/score/sdk/index.js';
import { hex } from './fields.js';
import type { MemberRegistry } from './members.js';
import type { Action } from './payloads.js';
import { MAX_ACTIVE_KEYS_PER_RESPONDER, type ResponderKeyRegistry } from './responder-keys.js';
import { system } from './system.js';
import { MIN_VALIDATOR_CHANGE_DELAY, type ValidatorSchedule } from './validators.js';

/** The parts of the governance state an action touches. */
export interface GovernanceState {
  readonly members: MemberRegistry;
  readonly responderKeys: ResponderKeyRegistry;
  readonly validators: ValidatorSchedule;
  readonly threshold: VarDB<'int'>;
}

export function checkAction(g: GovernanceState, action: Action, height: bigint): void {
  switch (action.kind) {
    case 'admitMember':
      require_(!g.members.has(action.address), 'ALREADY_MEMBER', `${action.address} is already a member`);
      return;
    case 'grantRole':
      requireMember(g, action.address);
      require_(
        !g.members.hasRole(action.address, action.role),
        'ROLE_ALREADY_HELD',
        `${action.address} already has the ${action.role} role`,
      );
      return;
    case 'revokeRole':
      requireMember(g, action.address);
      require_(
        g.members.hasRole(action.address, action.role),
        'ROLE_NOT_HELD',
        `${action.address} does not have the ${action.role} role`,
      );
      if (action.role === 'admin') requireAdminsLeft(g);
      if (action.role === 'validator') requireNotValidator(g, action.address, height);
      return;
    case 'removeMember':
      requireMember(g, action.address);
      if (g.members.hasRole(action.address, 'admin')) requireAdminsLeft(g);
      requireNotValidator(g, action.address, height);
      return;
    case 'registerResponderKey':
      requireMember(g, action.responder);
      require_(
        g.members.hasRole(action.responder, 'ocsp'),
        'NOT_RESPONDER',
        `${action.responder} does not have the ocsp role`,
      );
      require_(
        g.responderKeys.activeIdsOf(action.responder).length < MAX_ACTIVE_KEYS_PER_RESPONDER,
        'TOO_MANY_RESPONDER_KEYS',
        `${action.responder} already has ${MAX_ACTIVE_KEYS_PER_RESPONDER} active keys; retire one first`,
      );
      require_(
        g.responderKeys.idOf(action.publicKey) === undefined,
        'DUPLICATE_RESPONDER_KEY',
        'this public key is already registered (keys are never registered twice, even after retirement)',
      );
      return;
    case 'retireResponderKey': {
      const id = responderKeyId(g, action);
      require_(
        g.responderKeys.get(id)?.status === 'active',
        'RESPONDER_KEY_RETIRED',
        `responder key ${id} is already retired`,
      );
      return;
    }
    case 'changeValidators': {
      action.validators.forEach((v, i) =>
        require_(
          g.members.hasRole(v, 'validator'),
          'NOT_VALIDATOR',
          `payload.validators[${i}]: ${v} is not a member with the validator role`,
        ),
      );
      const earliest = height + MIN_VALIDATOR_CHANGE_DELAY + 1n;
      require_(
        action.fromHeight >= earliest,
        'FROM_HEIGHT_TOO_SOON',
        `payload.fromHeight: must be at least ${earliest} (height ${height} + ${MIN_VALIDATOR_CHANGE_DELAY} + 1)`,
      );
      const latest = g.validators.latest();
      require_(
        latest === undefined || action.fromHeight > latest.fromHeight,
        'FROM_HEIGHT_TOO_SOON',
        `payload.fromHeight: must be after the last scheduled change at ${latest?.fromHeight}`,
      );
      return;
    }
    case 'setThreshold': {
      const admins = g.members.adminCount();
      require_(
        action.threshold <= admins,
        'THRESHOLD_UNREACHABLE',
        `payload.threshold: ${action.threshold} is more than the ${admins} admins`,
      );
      return;
    }
  }
}

export function applyAction(g: GovernanceState, action: Action, height: bigint): void {
  checkAction(g, action, height);
  switch (action.kind) {
    case 'admitMember':
      g.members.add(action.address, action.name, action.roles, height);
      emit('MemberAdmitted', [action.address], [action.name, action.roles.join(',')]);
      return;
    case 'grantRole': {
      const roles = g.members.get(action.address)?.roles ?? [];
      g.members.setRoles(action.address, [...roles, action.role]);
      emit('RoleGranted', [action.address, action.role]);
      return;
    }
    case 'revokeRole': {
      if (action.role === 'ocsp') retireAllKeysOf(g, action.address, height);
      const roles = g.members.get(action.address)?.roles ?? [];
      g.members.setRoles(
        action.address,
        roles.filter((r) => r !== action.role),
      );
      emit('RoleRevoked', [action.address, action.role]);
      return;
    }
    case 'removeMember': {
      retireAllKeysOf(g, action.address, height);
      const name = g.members.get(action.address)?.name ?? '';
      g.members.remove(action.address);
      emit('MemberRemoved', [action.address], [name]);
      return;
    }
    case 'registerResponderKey': {
      const id = g.responderKeys.register(action.responder, action.publicKey, action.name, height);
      emit('ResponderKeyRegistered', [hex(id), action.responder], [action.publicKey, action.name]);
      return;
    }
    case 'retireResponderKey':
      retireKey(g, responderKeyId(g, action), height);
      return;
    case 'changeValidators':
      system('setValidators', { fromHeight: hex(action.fromHeight), validators: action.validators });
      g.validators.add(action.fromHeight, action.validators);
      emit('ValidatorsChangeScheduled', [hex(action.fromHeight)], [action.validators.join(',')]);
      return;
    case 'setThreshold': {
      const old = g.threshold.get() ?? 0n;
      g.threshold.set(action.threshold);
      emit('ThresholdChanged', [], [hex(old), hex(action.threshold)]);
      return;
    }
  }
}

function requireMember(g: GovernanceState, address: string): void {
  require_(g.members.has(address), 'NOT_MEMBER', `${address} is not a member`);
}

/** Removing an admin must leave enough admins to reach the threshold, or governance would lock itself. */
function requireAdminsLeft(g: GovernanceState): void {
  const left = g.members.adminCount() - 1n;
  const threshold = g.threshold.get() ?? 0n;
  require_(
    left >= threshold && left >= 1n,
    'THRESHOLD_UNREACHABLE',
    `only ${left} admins would remain for a threshold of ${threshold}; lower the threshold first`,
  );
}

/** A validator in the current or a scheduled set keeps its role until a validator change drops it. */
function requireNotValidator(g: GovernanceState, address: string, height: bigint): void {
  require_(
    !g.validators.includesFrom(height, address),
    'VALIDATOR_IN_SET',
    `${address} is in the current or a scheduled validator set; change the validator set first`,
  );
}

function responderKeyId(g: GovernanceState, action: { publicKey?: string; id?: bigint }): bigint {
  const id =
    action.id ?? (action.publicKey === undefined ? undefined : g.responderKeys.idOf(action.publicKey));
  if (id === undefined || g.responderKeys.get(id) === undefined)
    revert('UNKNOWN_RESPONDER_KEY', 'no responder key with this id or public key');
  return id;
}

function retireKey(g: GovernanceState, id: bigint, height: bigint): void {
  const record = g.responderKeys.retire(id, height);
  emit('ResponderKeyRetired', [hex(id), record.responder], [record.publicKey]);
}

/** A responder that loses its role (or leaves) stops being trusted for OCSP at once. */
function retireAllKeysOf(g: GovernanceState, responder: string, height: bigint): void {
  for (const id of g.responderKeys.activeIdsOf(responder)) retireKey(g, id, height);
}
