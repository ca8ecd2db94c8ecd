/**
 * The shape of a channel genesis config (docs/operations.md), as a JSON Schema checked by ajv with every
 * error collected. Each ajv error becomes one message that starts with the JSON path of the field it is about
 * (`validators[1].address: must be …`), so an operator fixes every mistake of a config in one go. The
 * meaning of the values (certificates, keys, cross-references) is checked afterwards, in config.ts.
 *
 * Bounds come from the governance SCORE, which receives most of this config at genesis: a config that passes
 * here must not fail its `on_install`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { MAX_NAME_LENGTH, ROLES } from '../../contracts/governance/fields.js';
import {
  MAX_MEMBERS_AT_GENESIS,
  MAX_RESPONDER_KEYS_AT_GENESIS,
  MAX_VALIDATORS,
} from '../../contracts/governance/payloads.js';

/** Built-in SCOREs a genesis may install; generous, as each is bundled and installed at build time. */
export const MAX_GENESIS_SCORES = 16;
/** Bounds of the consensus timing parameters, in milliseconds: a typo of three zeros is caught. */
export const MAX_TIMEOUT_MS = 600_000;
export const MAX_LEADER_TERM = 1000;

const ACCOUNT = {
  type: 'string',
  pattern: '^hx[0-9a-f]{40}$',
  description: 'an account address (hx + 40 lowercase hex digits)',
};

const SCORE_ADDRESS = {
  type: 'string',
  pattern: '^cx[0-9a-f]{40}$',
  description: 'a SCORE address (cx + 40 lowercase hex digits)',
};

// The governance SCORE's name rule (fields.ts asName): no control characters, no surrounding blanks.
const NAME = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_NAME_LENGTH,
  pattern: '^(?!\\s)(?![\\s\\S]*\\s$)[^\\u0000-\\u001f\\u007f]+$',
  description: `a name of 1..${MAX_NAME_LENGTH} characters without control characters or surrounding blanks`,
};

const CERTIFICATE = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    file: {
      type: 'string',
      minLength: 1,
      description: 'a path to a PEM file, relative to the config file',
    },
    pem: { type: 'string', minLength: 1, description: 'a PEM certificate' },
  },
  description: 'an object with exactly one of "file" (a PEM file) or "pem" (the PEM text)',
};

function positiveInt(maximum: number, what: string): object {
  return { type: 'integer', minimum: 1, maximum, description: `${what} (an integer)` };
}

export const GENESIS_CONFIG_SCHEMA = {
  type: 'object',
  description: 'a JSON object',
  additionalProperties: false,
  required: [
    'channel',
    'nid',
    'timestamp',
    'rootCertificate',
    'validators',
    'members',
    'threshold',
    'consensus',
    'scores',
  ],
  properties: {
    channel: {
      type: 'string',
      pattern: '^[a-z][a-z0-9-]{0,31}$',
      description: 'a channel name (a lowercase letter, then up to 31 lowercase letters, digits or "-")',
    },
    nid: {
      type: 'string',
      pattern: '^0x[1-9a-f][0-9a-f]{0,7}$',
      description: 'a network id as ICON hex, 0x1..0xffffffff without leading zeros (e.g. "0x3")',
    },
    timestamp: {
      type: ['integer', 'string'],
      description: 'microseconds since the Unix epoch, as an integer or an ICON 0x-hex string',
    },
    rootCertificate: CERTIFICATE,
    validators: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_VALIDATORS,
      description: 'a list of validator institutions',
      items: {
        type: 'object',
        description: 'an object { name, address, caCertificate? }',
        additionalProperties: false,
        required: ['name', 'address'],
        properties: { name: NAME, address: ACCOUNT, caCertificate: CERTIFICATE },
      },
    },
    members: {
      type: 'array',
      maxItems: MAX_MEMBERS_AT_GENESIS,
      description: 'a list of member institutions',
      items: {
        type: 'object',
        description: 'an object { name, address, roles }',
        additionalProperties: false,
        required: ['name', 'address', 'roles'],
        properties: {
          name: NAME,
          address: ACCOUNT,
          roles: {
            type: 'array',
            uniqueItems: true,
            description: 'a list of roles',
            items: { enum: [...ROLES] },
          },
        },
      },
    },
    threshold: positiveInt(MAX_MEMBERS_AT_GENESIS, 'the number of admin approvals a proposal needs'),
    responderKeys: {
      type: 'array',
      maxItems: MAX_RESPONDER_KEYS_AT_GENESIS,
      description: 'a list of OCSP responder keys',
      items: {
        type: 'object',
        description: 'an object { responder, name, publicKey }',
        additionalProperties: false,
        required: ['responder', 'name', 'publicKey'],
        properties: {
          responder: ACCOUNT,
          name: NAME,
          publicKey: {
            type: 'string',
            pattern: '^(0x)?([0-9a-fA-F]{2})+$',
            description: 'a DER SubjectPublicKeyInfo in hex (whole bytes, 0x optional)',
          },
        },
      },
    },
    consensus: {
      type: 'object',
      description: 'an object { leaderTerm, baseTimeoutMs, maxTimeoutMs }',
      additionalProperties: false,
      required: ['leaderTerm', 'baseTimeoutMs', 'maxTimeoutMs'],
      properties: {
        leaderTerm: positiveInt(MAX_LEADER_TERM, 'the consecutive rounds each leader keeps'),
        baseTimeoutMs: positiveInt(MAX_TIMEOUT_MS, 'the first round timeout in milliseconds'),
        maxTimeoutMs: positiveInt(MAX_TIMEOUT_MS, 'the longest round timeout in milliseconds'),
      },
    },
    pki: {
      type: 'object',
      description: 'an object { consortium, ocspUrl, maxValidityDays? }',
      additionalProperties: false,
      required: ['consortium', 'ocspUrl'],
      properties: {
        consortium: NAME,
        ocspUrl: {
          type: 'string',
          pattern: '^https?://[^\\s]{1,200}$',
          description: 'the OCSP URL put in the AIA of issued certificates (http:// or https://)',
        },
        maxValidityDays: positiveInt(3650, 'the longest certificate validity in days'),
      },
    },
    scores: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_GENESIS_SCORES,
      description: 'a list of built-in SCOREs',
      items: {
        type: 'object',
        description: 'an object { name, address, source, owner? }',
        additionalProperties: false,
        required: ['name', 'address', 'source'],
        properties: {
          name: {
            type: 'string',
            pattern: '^[a-z][A-Za-z0-9]{0,31}$',
            description: 'a SCORE name in camelCase (e.g. governance, chat, certificateAuthority)',
          },
          address: SCORE_ADDRESS,
          source: {
            type: 'string',
            pattern: '^contracts/[a-z0-9][a-z0-9_-]*$',
            description: 'a contract directory under contracts/ (e.g. "contracts/governance")',
          },
          owner: ACCOUNT,
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(
  GENESIS_CONFIG_SCHEMA,
);

/** `/validators/0/address` → `validators[0].address`; the root is `config`. */
export function pathOf(pointer: string, child?: string): string {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/');
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const raw of parts) {
    const p = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out === '' ? 'config' : out;
}

function describe(e: ErrorObject): string | undefined {
  const d = (e.parentSchema as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' ? d : undefined;
}

function messageOf(e: ErrorObject): string {
  const path = pathOf(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${pathOf(e.instancePath, String(p.missingProperty))}: required`;
    case 'additionalProperties':
      return `${pathOf(e.instancePath, String(p.additionalProperty))}: unknown field`;
    case 'enum':
      return `${path}: ${JSON.stringify(e.data)} is not one of ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'uniqueItems': {
      const item = (e.data as unknown[])[Number(p.i)];
      return `${path}: lists ${JSON.stringify(item)} twice (entries ${String(p.j)} and ${String(p.i)})`;
    }
    case 'minItems':
      return `${path}: must have at least ${String(p.limit)} ${p.limit === 1 ? 'entry' : 'entries'}`;
    case 'maxItems':
      return `${path}: must have at most ${String(p.limit)} entries`;
    case 'minimum':
      return `${path}: must be at least ${String(p.limit)}`;
    case 'maximum':
      return `${path}: must be at most ${String(p.limit)}`;
    default: {
      const d = describe(e);
      return d === undefined ? `${path}: ${e.message ?? e.keyword}` : `${path}: must be ${d}`;
    }
  }
}

/** Every shape mistake of a raw config, one message each; empty when the shape is right. */
export function schemaProblems(raw: unknown): string[] {
  if (validate(raw)) return [];
  return [...new Set((validate.errors ?? []).map(messageOf))];
}
