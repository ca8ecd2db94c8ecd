/**
 * A node's config file (`loopchain node --config F`): where it listens, its keys, its peers and the channels
 * it serves. Paths are relative to the config file. Checked with ajv at the edge: every mistake is reported
 * with its JSON path and nothing starts.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { LoopchainError } from '../errors.js';

export class NodeConfigError extends LoopchainError<'INVALID_NODE_CONFIG'> {
  constructor(readonly problems: readonly string[]) {
    super('INVALID_NODE_CONFIG', `invalid node config:\n  ${problems.join('\n  ')}`, { problems });
  }
}

const PATH = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const ENDPOINT = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port'],
  properties: {
    host: { type: 'string', minLength: 1, maxLength: 255 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
  },
} as const;

export const NODE_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'dataDir', 'keystore', 'jsonrpc', 'grpc', 'tls', 'peers', 'channels'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    dataDir: PATH,
    keystore: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'passwordFile'],
      properties: { path: PATH, passwordFile: PATH },
    },
    jsonrpc: ENDPOINT,
    grpc: ENDPOINT,
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['rootCert', 'cert', 'key'],
      properties: { rootCert: PATH, cert: PATH, key: PATH },
    },
    validatorCa: {
      type: 'object',
      additionalProperties: false,
      required: ['cert', 'key', 'passwordFile'],
      properties: { cert: PATH, key: PATH, passwordFile: PATH },
    },
    peers: {
      type: 'array',
      maxItems: 256,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['address', 'grpc'],
        properties: {
          address: { type: 'string', pattern: '^hx[0-9a-f]{40}$' },
          grpc: { type: 'string', pattern: '^[^\\s]{1,300}:[0-9]{1,5}$' },
        },
      },
    },
    channels: {
      type: 'array',
      minItems: 1,
      maxItems: 32,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['genesis'],
        properties: { genesis: PATH },
      },
    },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
  },
} as const;

export interface NodeConfig {
  readonly id: string;
  readonly dataDir: string;
  readonly keystore: { readonly path: string; readonly passwordFile: string };
  readonly jsonrpc: { readonly host: string; readonly port: number };
  readonly grpc: { readonly host: string; readonly port: number };
  readonly tls: { readonly rootCert: string; readonly cert: string; readonly key: string };
  readonly validatorCa?: { readonly cert: string; readonly key: string; readonly passwordFile: string };
  readonly peers: readonly { readonly address: `hx${string}`; readonly grpc: string }[];
  readonly channels: readonly { readonly genesis: string }[];
  readonly logLevel: string;
}

const validate = new Ajv({ allErrors: true, strict: true }).compile(NODE_CONFIG_SCHEMA);

/** `/peers/0/address` → `config.peers[0].address`. */
function pathOf(pointer: string, child?: string): string {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/');
  if (child !== undefined) parts.push(child);
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : `${out}.${p}`), 'config');
}

/** One line per mistake, naming the field: unknown and missing fields by name, enums with their values. */
function problemOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${pathOf(e.instancePath, String(p.additionalProperty))}: unknown field`;
    case 'required':
      return `${pathOf(e.instancePath, String(p.missingProperty))}: required`;
    case 'enum':
      return `${pathOf(e.instancePath)}: must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
    default:
      return `${pathOf(e.instancePath)}: ${e.message ?? e.keyword}`;
  }
}

/** Checks a parsed config; paths in the result are absolute (resolved against `base`). */
export function checkNodeConfig(raw: unknown, base: string): NodeConfig {
  if (!validate(raw)) {
    const problems = [...new Set((validate.errors ?? []).map(problemOf))];
    throw new NodeConfigError(problems);
  }
  const c = raw as unknown as NodeConfig;
  const abs = (p: string): string => resolve(base, p);
  return {
    ...c,
    dataDir: abs(c.dataDir),
    keystore: { path: abs(c.keystore.path), passwordFile: abs(c.keystore.passwordFile) },
    tls: { rootCert: abs(c.tls.rootCert), cert: abs(c.tls.cert), key: abs(c.tls.key) },
    ...(c.validatorCa === undefined
      ? {}
      : {
          validatorCa: {
            cert: abs(c.validatorCa.cert),
            key: abs(c.validatorCa.key),
            passwordFile: abs(c.validatorCa.passwordFile),
          },
        }),
    channels: c.channels.map((ch) => ({ genesis: abs(ch.genesis) })),
    logLevel: c.logLevel ?? 'info',
  };
}

export function loadNodeConfig(path: string): NodeConfig {
  let raw: unknown;
  try {
    if (statSync(path).size > 1024 * 1024) throw new Error('more than 1 MiB');
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new NodeConfigError([`${path}: cannot read: ${(e as Error).message}`]);
  }
  return checkNodeConfig(raw, dirname(resolve(path)));
}
