/**
 * The chain config of a channel's genesis (STYLE 8: consensus-critical, identical on every node): its type,
 * and checkGenesisConfig, which turns raw JSON into it or lists every mistake with the path of the field.
 *
 * Two passes: the JSON Schema (config-schema.ts) checks shapes; the checks here give values their meaning —
 * the timestamp's unit, certificates, public keys, cross-references (threshold vs admins, responders vs the
 * ocsp role, SCORE owners vs members) and uniqueness. They read the raw value defensively, so a config with a
 * shape mistake still gets every other mistake reported, and they skip a check whose inputs are already
 * reported broken rather than pile a consequence onto the cause.
 *
 * Files named by the config (certificates, contract sources) come through `ConfigFiles`, so the checks read
 * no disk themselves and never the clock: the genesis timestamp is part of the config.
 */
import type { Role } from '../../contracts/governance/fields.js';
import { MAX_MEMBERS_AT_GENESIS } from '../../contracts/governance/payloads.js';
import { MAX_ACTIVE_KEYS_PER_RESPONDER } from '../../contracts/governance/responder-keys.js';
import { LoopchainError } from '../errors.js';
import { CX_ZERO } from '../score/state-layout.js';
import { checkRootCertificate, checkValidatorCa, type CertificateInfo } from './certificates.js';
import {
  ACCOUNT,
  byField,
  certificateText,
  checkResponderKey,
  checkTimestamp,
  duplicates,
  int,
  list,
  obj,
  Problems,
  roles,
  SCORE_ADDRESS,
  str,
  type Obj,
} from './config-fields.js';
import { schemaProblems } from './config-schema.js';

export type { CertificateInfo } from './certificates.js';
export type { Role } from '../../contracts/governance/fields.js';

export class GenesisConfigError extends LoopchainError<'INVALID_GENESIS_CONFIG'> {
  constructor(readonly problems: readonly string[]) {
    super('INVALID_GENESIS_CONFIG', `invalid genesis config:\n  ${problems.join('\n  ')}`, { problems });
  }
}

export interface ValidatorInstitution {
  readonly name: string;
  readonly address: `hx${string}`;
  readonly caCertificate?: CertificateInfo;
}

export interface GenesisMember {
  readonly name: string;
  readonly address: `hx${string}`;
  /** In the canonical order of the governance roles. */
  readonly roles: readonly Role[];
}

export interface ResponderKey {
  readonly responder: `hx${string}`;
  readonly name: string;
  /** DER SubjectPublicKeyInfo as 0x + lowercase hex, as governance stores it. */
  readonly publicKey: string;
}

export interface ConsensusParameters {
  readonly leaderTerm: number;
  readonly baseTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export interface BuiltinScore {
  readonly name: string;
  readonly address: `cx${string}`;
  /** A directory under contracts/ holding index.ts, relative to the project root. */
  readonly source: string;
  /** May deploy the SCORE's next versions; the first admin in `members` unless given. */
  readonly owner: `hx${string}`;
}

/** What the certificate SCORE's block issuer needs (DESIGN §6); only channels that issue certificates. */
export interface PkiParameters {
  readonly consortium: string;
  readonly ocspUrl: string;
  readonly maxValidityDays?: number;
}

export interface GenesisConfig {
  readonly channel: string;
  /** ICON network id, 0x-hex. */
  readonly nid: string;
  /** Microseconds since the Unix epoch: the genesis block's timestamp. */
  readonly timestamp: bigint;
  readonly rootCertificate: CertificateInfo;
  /** In set order: the order of leader rotation. */
  readonly validators: readonly ValidatorInstitution[];
  readonly members: readonly GenesisMember[];
  readonly threshold: number;
  readonly responderKeys: readonly ResponderKey[];
  readonly consensus: ConsensusParameters;
  readonly scores: readonly BuiltinScore[];
  readonly pki?: PkiParameters;
}

/** What the checks may read besides the config itself. */
export interface ConfigFiles {
  /** A file named in the config, by the path as written there. Throws (with a reason) if unreadable. */
  readText(path: string): string;
  /** Whether `<source>/index.ts` exists; `source` is relative to the project root. */
  hasContract(source: string): boolean;
}

/** The governance SCORE is required: it holds the roles every other part of the chain asks about. */
export const GOVERNANCE_SCORE = 'governance';

/**
 * Checks a raw genesis config (parsed JSON). Returns the typed config, or throws GenesisConfigError listing
 * every mistake found, each message starting with the field's path.
 */
export function checkGenesisConfig(raw: unknown, files: ConfigFiles): GenesisConfig {
  const p = new Problems();
  p.addAll(schemaProblems(raw));
  const c = obj(raw) ?? {};

  const timestamp = checkTimestamp(c.timestamp, p);

  const rootPem = certificateText(c.rootCertificate, 'rootCertificate', (f) => files.readText(f), p);
  const root =
    rootPem === undefined ? undefined : checkRootCertificate(rootPem, 'rootCertificate', timestamp);
  if (root !== undefined && !root.ok) p.addAll(root.problems);
  const rootCert = root?.ok === true ? root.value.cert : undefined;

  // Validator institutions.
  const rawValidators = list(c.validators).map(obj);
  const validatorAddresses = rawValidators.map((v) => str(v?.address, ACCOUNT));
  duplicates(validatorAddresses, (i) => `validators[${i}].address`, p);
  const validatorCas = rawValidators.map((v, i) => {
    if (v?.caCertificate === undefined) return undefined;
    const path = `validators[${i}].caCertificate`;
    const pem = certificateText(v.caCertificate, path, (f) => files.readText(f), p);
    if (pem === undefined) return undefined;
    const checked = checkValidatorCa(pem, path, rootCert, timestamp);
    if (!checked.ok) p.addAll(checked.problems);
    return checked.ok ? checked.value : undefined;
  });

  // Members: a validator institution listed here too keeps this entry and gains the validator role.
  const rawMembers = list(c.members).map(obj);
  const memberAddresses = rawMembers.map((m) => str(m?.address, ACCOUNT));
  duplicates(memberAddresses, (i) => `members[${i}].address`, p);
  const memberIndex = new Map<string, number>();
  memberAddresses.forEach((a, i) => {
    if (a !== undefined && !memberIndex.has(a)) memberIndex.set(a, i);
  });
  rawValidators.forEach((v, i) => {
    const at = memberIndex.get(validatorAddresses[i] ?? '');
    const name = str(v?.name);
    const memberName = at === undefined ? undefined : str(rawMembers[at]?.name);
    if (name !== undefined && memberName !== undefined && name !== memberName) {
      p.add(
        `validators[${i}].name: ${JSON.stringify(name)} differs from members[${at}].name ` +
          `${JSON.stringify(memberName)} for the same address`,
      );
    }
  });
  const everyone = new Set([...memberAddresses, ...validatorAddresses].filter((a) => a !== undefined));
  if (everyone.size > MAX_MEMBERS_AT_GENESIS) {
    p.add(
      `members: ${everyone.size} institutions counting the validator institutions; governance takes at most ${MAX_MEMBERS_AT_GENESIS}`,
    );
  }

  // Admins and the threshold, once every member's roles are readable.
  const memberRoles = rawMembers.map((m) => roles(m?.roles));
  if (Array.isArray(c.members) && memberRoles.every((r) => r !== undefined)) {
    const admins = memberRoles.filter((r) => r.includes('admin')).length;
    const threshold = int(c.threshold);
    if (admins === 0) p.add('members: no member has the admin role; a consortium needs at least one admin');
    else if (threshold !== undefined && threshold >= 1 && threshold > admins)
      p.add(`threshold: must be between 1 and the number of admins (${admins}), is ${threshold}`);
  }

  // OCSP responder keys.
  const rawKeys = list(c.responderKeys).map(obj);
  const keys = rawKeys.map((k, i) => checkResponderKey(k?.publicKey, `responderKeys[${i}].publicKey`, p));
  duplicates(keys, (i) => `responderKeys[${i}].publicKey`, p);
  const perResponder = new Map<string, number>();
  rawKeys.forEach((k, i) => {
    const responder = str(k?.responder, ACCOUNT);
    if (responder === undefined) return;
    const at = memberIndex.get(responder);
    const r = at === undefined ? undefined : memberRoles[at];
    if (at === undefined) {
      p.add(`responderKeys[${i}].responder: ${responder} is not in members (it needs the ocsp role)`);
    } else if (r !== undefined && !r.includes('ocsp')) {
      p.add(`responderKeys[${i}].responder: ${responder} (members[${at}]) does not have the ocsp role`);
    }
    const held = (perResponder.get(responder) ?? 0) + 1;
    perResponder.set(responder, held);
    if (held === MAX_ACTIVE_KEYS_PER_RESPONDER + 1) {
      p.add(`responderKeys[${i}]: more than ${MAX_ACTIVE_KEYS_PER_RESPONDER} keys for ${responder}`);
    }
  });

  // Consensus timing.
  const consensus = obj(c.consensus);
  const base = int(consensus?.baseTimeoutMs);
  const max = int(consensus?.maxTimeoutMs);
  if (base !== undefined && max !== undefined && base >= 1 && max >= 1 && max < base) {
    p.add(`consensus.maxTimeoutMs: must be at least baseTimeoutMs (${base}), is ${max}`);
  }

  // Built-in SCOREs.
  const rawScores = list(c.scores).map(obj);
  const scoreNames = rawScores.map((s) => str(s?.name));
  duplicates(scoreNames, (i) => `scores[${i}].name`, p);
  const scoreAddresses = rawScores.map((s) => str(s?.address, SCORE_ADDRESS));
  duplicates(scoreAddresses, (i) => `scores[${i}].address`, p);
  if (Array.isArray(c.scores) && !scoreNames.includes(GOVERNANCE_SCORE)) {
    p.add(`scores: no "${GOVERNANCE_SCORE}" entry; the governance SCORE is required`);
  }
  rawScores.forEach((s, i) => {
    if (scoreAddresses[i] === CX_ZERO)
      p.add(`scores[${i}].address: ${CX_ZERO} is reserved for deploy transactions`);
    const source = str(s?.source, /^contracts\/[a-z0-9][a-z0-9_-]*$/);
    if (source !== undefined && !files.hasContract(source))
      p.add(`scores[${i}].source: ${source}/index.ts does not exist`);
    const owner = str(s?.owner, ACCOUNT);
    if (owner !== undefined && !everyone.has(owner))
      p.add(`scores[${i}].owner: ${owner} is not a member or validator institution`);
  });

  if (p.all.length > 0 || root?.ok !== true || timestamp === undefined) {
    if (p.all.length === 0) p.add('config: incomplete'); // unreachable: every gap above is reported
    throw new GenesisConfigError(byField(p.all));
  }
  return assemble(c, { timestamp, root: root.value.info, validatorCas, memberRoles, keys });
}

/** Builds the typed config from a raw config that passed every check. */
function assemble(
  c: Obj,
  checked: {
    timestamp: bigint;
    root: CertificateInfo;
    validatorCas: readonly (CertificateInfo | undefined)[];
    memberRoles: readonly (Role[] | undefined)[];
    keys: readonly (string | undefined)[];
  },
): GenesisConfig {
  const validators = (c.validators as Obj[]).map((v, i): ValidatorInstitution => ({
    name: v.name as string,
    address: v.address as `hx${string}`,
    ...(checked.validatorCas[i] === undefined ? {} : { caCertificate: checked.validatorCas[i] }),
  }));
  const members = (c.members as Obj[]).map((m, i): GenesisMember => ({
    name: m.name as string,
    address: m.address as `hx${string}`,
    roles: checked.memberRoles[i]!,
  }));
  const firstAdmin = members.find((m) => m.roles.includes('admin'))!.address;
  const consensus = c.consensus as Obj;
  const pki = obj(c.pki);
  return {
    ...(pki === undefined
      ? {}
      : {
          pki: {
            consortium: pki.consortium as string,
            ocspUrl: pki.ocspUrl as string,
            ...(pki.maxValidityDays === undefined ? {} : { maxValidityDays: pki.maxValidityDays as number }),
          },
        }),
    channel: c.channel as string,
    nid: c.nid as string,
    timestamp: checked.timestamp,
    rootCertificate: checked.root,
    validators,
    members,
    threshold: c.threshold as number,
    responderKeys: list(c.responderKeys).map((k, i): ResponderKey => ({
      responder: (k as Obj).responder as `hx${string}`,
      name: (k as Obj).name as string,
      publicKey: checked.keys[i]!,
    })),
    consensus: {
      leaderTerm: consensus.leaderTerm as number,
      baseTimeoutMs: consensus.baseTimeoutMs as number,
      maxTimeoutMs: consensus.maxTimeoutMs as number,
    },
    scores: (c.scores as Obj[]).map((s): BuiltinScore => ({
      name: s.name as string,
      address: s.address as `cx${string}`,
      source: s.source as string,
      owner: (s.owner as `hx${string}` | undefined) ?? firstAdmin,
    })),
  };
}
