/**
 * JSON Schemas of the JSON-RPC envelope and of each method's params (ICON v3 value types, goloop
 * doc/jsonrpc_v3.md), compiled once with ajv. A failed check becomes one precise message naming the param.
 * Transactions are only checked to be objects here: parseTransaction validates every field with its own
 * messages and codes, and is the single definition of a valid transaction.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** T_HASH: `0x` + 64 lowercase hex digits. */
const HASH = '^0x[0-9a-f]{64}$';
/** A block hash, with or without `0x`: our block JSON gives it without, as ICON's legacy block format. */
const BLOCK_HASH = '^(?:0x)?[0-9a-f]{64}$';
/** T_INT: `0x` + lowercase hex, no leading zeros. */
const INT = '^0x(?:0|[1-9a-f][0-9a-f]*)$';
const SCORE_ADDRESS = '^cx[0-9a-f]{40}$';
const EOA_ADDRESS = '^hx[0-9a-f]{40}$';
const METHOD_NAME = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

export const MAX_ID_LENGTH = 256;

const envelope = {
  type: 'object',
  required: ['jsonrpc', 'method'],
  properties: {
    jsonrpc: { const: '2.0' },
    method: { type: 'string', maxLength: 128 },
    params: {},
    id: {
      anyOf: [{ type: 'string', maxLength: MAX_ID_LENGTH }, { type: 'number' }, { type: 'null' }],
    },
  },
  additionalProperties: false,
} as const;

const txHashParams = {
  type: 'object',
  required: ['txHash'],
  properties: { txHash: { type: 'string', pattern: HASH } },
  additionalProperties: false,
} as const;

/** An ICON value: strings, null, and lists and maps of them (no numbers or booleans on the wire). */
const iconValue = {
  $id: 'iconValue',
  anyOf: [
    { type: 'string' },
    { type: 'null' },
    { type: 'array', items: { $ref: 'iconValue' } },
    { type: 'object', additionalProperties: { $ref: 'iconValue' } },
  ],
} as const;

export const METHOD_PARAMS = {
  icx_sendTransaction: { type: 'object' },
  icx_sendTransactionAndWait: { type: 'object' },
  icx_getTransactionResult: txHashParams,
  icx_waitTransactionResult: txHashParams,
  icx_getTransactionByHash: txHashParams,
  icx_getLastBlock: { type: 'object', additionalProperties: false },
  icx_getBlockByHeight: {
    type: 'object',
    required: ['height'],
    properties: { height: { type: 'string', pattern: INT, maxLength: 16 } },
    additionalProperties: false,
  },
  icx_getBlockByHash: {
    type: 'object',
    required: ['hash'],
    properties: { hash: { type: 'string', pattern: BLOCK_HASH } },
    additionalProperties: false,
  },
  icx_call: {
    type: 'object',
    required: ['to', 'dataType', 'data'],
    properties: {
      from: { type: 'string', pattern: EOA_ADDRESS },
      to: { type: 'string', pattern: SCORE_ADDRESS },
      dataType: { const: 'call' },
      data: {
        type: 'object',
        required: ['method'],
        properties: {
          method: { type: 'string', pattern: METHOD_NAME },
          params: { type: 'object', additionalProperties: { $ref: 'iconValue' } },
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
  icx_getScoreApi: {
    type: 'object',
    required: ['address'],
    properties: { address: { type: 'string', pattern: SCORE_ADDRESS } },
    additionalProperties: false,
  },
} as const;

export type MethodName = keyof typeof METHOD_PARAMS;

export const METHODS: readonly MethodName[] = Object.keys(METHOD_PARAMS) as MethodName[];

export function isMethodName(m: string): m is MethodName {
  return Object.prototype.hasOwnProperty.call(METHOD_PARAMS, m);
}

/** Methods that need params (the others accept none, `{}` or — as icon-sdk-js sends them — no key at all). */
export const PARAMS_REQUIRED: ReadonlySet<MethodName> = new Set(
  METHODS.filter((m) => m !== 'icx_getLastBlock'),
);

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
ajv.addSchema(iconValue);

export const validateEnvelope: ValidateFunction = ajv.compile(envelope);

export const validateParams: Readonly<Record<MethodName, ValidateFunction>> = Object.fromEntries(
  METHODS.map((m) => [m, ajv.compile(METHOD_PARAMS[m])]),
) as Record<MethodName, ValidateFunction>;

/** `/data/params/x` under `params` -> `params.data.params.x`; the envelope's root is the empty path. */
function pathOf(root: string, instancePath: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~').slice(0, 64));
  return [root, ...parts].filter((s) => s !== '').join('.');
}

const join = (at: string, name: string): string => (at === '' ? name : `${at}.${name}`);

export interface SchemaProblem {
  readonly field: string;
  readonly message: string;
}

/** The most precise error of a failed check, as `field` and a sentence a client can act on. */
export function describeError(root: string, errors: ErrorObject[] | null | undefined): SchemaProblem {
  // Under anyOf ajv lists every branch's failure before the anyOf itself; the anyOf is the useful one.
  const e = errors?.find((x) => x.keyword === 'anyOf') ?? errors?.[0];
  const at = e === undefined ? root : pathOf(root, e.instancePath);
  const shown = at === '' ? 'the request' : at;
  if (e === undefined) return { field: at, message: `${shown} is invalid` };
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const field = join(at, String(p.missingProperty));
      return { field, message: `${field} is required` };
    }
    case 'additionalProperties': {
      const name = String(p.additionalProperty).slice(0, 64);
      return { field: join(at, name), message: `${shown} has an unknown property '${name}'` };
    }
    case 'pattern':
      return { field: at, message: `${shown} must match ${String(p.pattern)}` };
    case 'const':
      return { field: at, message: `${shown} must be ${JSON.stringify(p.allowedValue)}` };
    case 'type':
      return { field: at, message: `${shown} must be of type ${String(p.type)}` };
    case 'maxLength':
      return { field: at, message: `${shown} must be at most ${String(p.limit)} characters` };
    case 'anyOf':
      return {
        field: at,
        message:
          at === 'id'
            ? `id must be a string (at most ${MAX_ID_LENGTH} characters), a number or null`
            : `${shown} must be an ICON value (a string, null, or a list or map of them)`,
      };
    default:
      return { field: at, message: `${shown} ${e.message ?? 'is invalid'}` };
  }
}
