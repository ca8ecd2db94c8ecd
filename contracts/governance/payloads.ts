/**
 * The shapes of the genesis config and of each proposal kind's payload, checked field by field. Only the
 * shape is checked here; whether an action still makes sense against the current members is `actions.ts`.
 * A parsed payload is stored in its normalised JSON form (ints as 0x-hex, keys as 0x + lowercase hex), which
 * parses back to the same action.
 */
import { revert } from '../../src/score/sdk/index.js';
import {
  asAccount,
  asArray,
  asInt,
  asName,
  asObject,
  asPublicKey,
  asRole,
  asRoles,
  hex,
  type Role,
} from './fields.js';
import { MAX_ACTIVE_KEYS_PER_RESPONDER } from './responder-keys.js';

export const PROPOSAL_KINDS = [
  'admitMember',
  'grantRole',
  'revokeRole',
  'removeMember',
  'registerResponderKey',
  'retireResponderKey',
  'changeValidators',
  'setThreshold',
] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

// Bounded by the host's limits: 256 events per call (on_install emits one per member and key, plus one)
// and 4096 characters per event value (a validator list of 64 addresses is ~2,900).
export const MAX_MEMBERS_AT_GENESIS = 200;
export const MAX_RESPONDER_KEYS_AT_GENESIS = 50;
export const MAX_VALIDATORS = 64;

export type Action =
  | { readonly kind: 'admitMember'; readonly address: string; readonly name: string; readonly roles: Role[] }
  | { readonly kind: 'grantRole'; readonly address: string; readonly role: Role }
  | { readonly kind: 'revokeRole'; readonly address: string; readonly role: Role }
  | { readonly kind: 'removeMember'; readonly address: string }
  | {
      readonly kind: 'registerResponderKey';
      readonly responder: string;
      readonly publicKey: string;
      readonly name: string;
    }
  | { readonly kind: 'retireResponderKey'; readonly publicKey?: string; readonly id?: bigint }
  | { readonly kind: 'changeValidators'; readonly validators: string[]; readonly fromHeight: bigint }
  | { readonly kind: 'setThreshold'; readonly threshold: bigint };

const P = 'INVALID_PAYLOAD';

export function isProposalKind(kind: string): kind is ProposalKind {
  return (PROPOSAL_KINDS as readonly string[]).includes(kind);
}

export function parseAction(kind: ProposalKind, raw: unknown): Action {
  switch (kind) {
    case 'admitMember': {
      const o = asObject(raw, 'payload', P, ['address', 'name', 'roles']);
      return {
        kind,
        address: asAccount(o.address, 'payload.address', P),
        name: asName(o.name, 'payload.name', P),
        roles: asRoles(o.roles, 'payload.roles', P),
      };
    }
    case 'grantRole':
    case 'revokeRole': {
      const o = asObject(raw, 'payload', P, ['address', 'role']);
      return {
        kind,
        address: asAccount(o.address, 'payload.address', P),
        role: asRole(o.role, 'payload.role', P),
      };
    }
    case 'removeMember': {
      const o = asObject(raw, 'payload', P, ['address']);
      return { kind, address: asAccount(o.address, 'payload.address', P) };
    }
    case 'registerResponderKey': {
      const o = asObject(raw, 'payload', P, ['responder', 'publicKey', 'name']);
      return {
        kind,
        responder: asAccount(o.responder, 'payload.responder', P),
        publicKey: asPublicKey(o.publicKey, 'payload.publicKey', P),
        name: asName(o.name, 'payload.name', P),
      };
    }
    case 'retireResponderKey': {
      const o = asObject(raw, 'payload', P, ['publicKey', 'id'], []);
      if ((o.publicKey === undefined) === (o.id === undefined))
        revert(P, 'payload: give exactly one of publicKey, id');
      return o.id === undefined
        ? { kind, publicKey: asPublicKey(o.publicKey, 'payload.publicKey', P) }
        : { kind, id: asInt(o.id, 'payload.id', P) };
    }
    case 'changeValidators': {
      const o = asObject(raw, 'payload', P, ['validators', 'fromHeight']);
      return {
        kind,
        validators: asValidators(o.validators, 'payload.validators', P),
        fromHeight: asInt(o.fromHeight, 'payload.fromHeight', P),
      };
    }
    case 'setThreshold': {
      const o = asObject(raw, 'payload', P, ['threshold']);
      const threshold = asInt(o.threshold, 'payload.threshold', P);
      if (threshold < 1n) revert('INVALID_THRESHOLD', 'payload.threshold: must be at least 1');
      return { kind, threshold };
    }
  }
}

/** The stored, JSON-safe form of an action's payload. */
export function payloadOf(action: Action): Record<string, unknown> {
  const { kind: _kind, ...fields } = action;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = typeof v === 'bigint' ? hex(v) : v;
  return out;
}

export function asValidators(value: unknown, path: string, code: string): string[] {
  const list = asArray(value, path, code, 1, MAX_VALIDATORS).map((v, i) =>
    asAccount(v, `${path}[${i}]`, code),
  );
  if (new Set(list).size !== list.length) revert(code, `${path}: duplicate address`);
  return list;
}

export interface GenesisMember {
  readonly address: string;
  readonly name: string;
  roles: Role[];
}

export interface GenesisConfig {
  readonly threshold: bigint;
  readonly members: readonly GenesisMember[];
  readonly validatorSet: readonly string[];
  readonly responderKeys: readonly { responder: string; publicKey: string; name: string }[];
}

const C = 'INVALID_CONFIG';

/**
 * The genesis config: `{threshold, members: [{address, name, roles}], admins?, validatorSet?, responderKeys?}`.
 * `admins` is a shorthand that adds the admin role to listed members.
 */
export function parseGenesisConfig(raw: unknown): GenesisConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) revert(C, 'config: must be an object');
  const o = asObject(
    raw,
    '',
    C,
    ['threshold', 'members', 'admins', 'validatorSet', 'responderKeys'],
    ['threshold', 'members'],
  );
  const members = asArray(o.members, 'members', C, 1, MAX_MEMBERS_AT_GENESIS).map((m, i): GenesisMember => {
    const f = asObject(m, `members[${i}]`, C, ['address', 'name', 'roles']);
    return {
      address: asAccount(f.address, `members[${i}].address`, C),
      name: asName(f.name, `members[${i}].name`, C),
      roles: asRoles(f.roles, `members[${i}].roles`, C),
    };
  });
  const index = new Map<string, GenesisMember>();
  members.forEach((m, i) => {
    if (index.has(m.address)) revert(C, `members[${i}].address: ${m.address} is listed twice`);
    index.set(m.address, m);
  });
  if (o.admins !== undefined) {
    asArray(o.admins, 'admins', C, 1, MAX_MEMBERS_AT_GENESIS).forEach((a, i) => {
      const m = index.get(asAccount(a, `admins[${i}]`, C));
      if (m === undefined) revert(C, `admins[${i}]: ${String(a)} is not in members`);
      if (!m.roles.includes('admin')) m.roles = asRoles([...m.roles, 'admin'], `admins[${i}]`, C);
    });
  }
  const admins = members.filter((m) => m.roles.includes('admin')).length;
  if (admins === 0) revert(C, 'admins: no member has the admin role');
  const threshold = asInt(o.threshold, 'threshold', C);
  if (threshold < 1n || threshold > BigInt(admins))
    revert(C, `threshold: must be between 1 and the number of admins (${admins}), is ${threshold}`);
  const validatorSet = o.validatorSet === undefined ? [] : asValidators(o.validatorSet, 'validatorSet', C);
  validatorSet.forEach((v, i) => {
    if (!(index.get(v)?.roles.includes('validator') ?? false))
      revert(C, `validatorSet[${i}]: ${v} is not a member with the validator role`);
  });
  const seenKeys = new Set<string>();
  const keysPerResponder = new Map<string, number>();
  const responderKeys =
    o.responderKeys === undefined
      ? []
      : asArray(o.responderKeys, 'responderKeys', C, 0, MAX_RESPONDER_KEYS_AT_GENESIS).map((k, i) => {
          const f = asObject(k, `responderKeys[${i}]`, C, ['responder', 'publicKey', 'name']);
          const key = {
            responder: asAccount(f.responder, `responderKeys[${i}].responder`, C),
            publicKey: asPublicKey(f.publicKey, `responderKeys[${i}].publicKey`, C),
            name: asName(f.name, `responderKeys[${i}].name`, C),
          };
          if (!(index.get(key.responder)?.roles.includes('ocsp') ?? false))
            revert(C, `responderKeys[${i}].responder: ${key.responder} is not a member with the ocsp role`);
          if (seenKeys.has(key.publicKey)) revert(C, `responderKeys[${i}].publicKey: listed twice`);
          seenKeys.add(key.publicKey);
          const held = (keysPerResponder.get(key.responder) ?? 0) + 1;
          if (held > MAX_ACTIVE_KEYS_PER_RESPONDER)
            revert(
              C,
              `responderKeys[${i}]: more than ${MAX_ACTIVE_KEYS_PER_RESPONDER} keys for ${key.responder}`,
            );
          keysPerResponder.set(key.responder, held);
          return key;
        });
  return { threshold, members, validatorSet, responderKeys };
}
