/**
 * The host's copy of a SCORE's declared api (`static readonly api: ScoreApi`), validated once when the code is
 * deployed and stored with the version. The host checks parameters, results and events against this copy,
 * never against objects of the sandbox, and serves icx_getScoreApi from it.
 */
import type { IconType, MethodSpec, ParamSpec } from './sdk/index.js';
import { ScoreError } from './errors.js';

/** The SDK's declarations with every default filled in (`optional` is always present here). */
export type ApiParam = Required<ParamSpec>;
export type ApiMethod = Omit<MethodSpec, 'params'> & { readonly params: readonly ApiParam[] };
export interface ApiEvent {
  readonly indexed: readonly ApiParam[];
  readonly data: readonly ApiParam[];
}

export interface ScoreApiSpec {
  readonly methods: Readonly<Record<string, ApiMethod>>;
  readonly events: Readonly<Record<string, ApiEvent>>;
}

/** icx_getScoreApi entries, as ICON returns them. */
export interface IconApiEntry {
  readonly type: 'function' | 'eventlog';
  readonly name: string;
  readonly inputs: readonly { name: string; type: IconType; indexed?: '0x1'; default?: null }[];
  readonly outputs?: readonly { type: IconType }[];
  readonly readonly?: '0x1';
}

export const ICON_TYPES: readonly IconType[] = ['str', 'int', 'bool', 'bytes', 'Address', 'dict', 'list'];
const EVENT_TYPES: readonly IconType[] = ['str', 'int', 'bool', 'bytes', 'Address'];

/** Called once by the host at genesis (with its params); never callable by transactions or queries. */
export const INSTALL_METHOD = 'on_install';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_METHODS = 256;
const MAX_EVENTS = 256;
const MAX_PARAMS = 32;
const MAX_INDEXED = 3;

function invalid(message: string): never {
  throw new ScoreError('DEPLOY_INVALID', `invalid SCORE api: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkName(name: string, what: string): void {
  if (!NAME.test(name) || name.startsWith('__') || name === 'constructor') {
    invalid(`${what} name '${name.slice(0, 70)}' is not an identifier (or is reserved)`);
  }
}

function parseParams(raw: unknown, where: string, types: readonly IconType[], max: number): ApiParam[] {
  if (!Array.isArray(raw)) invalid(`${where} must be a list`);
  if (raw.length > max) invalid(`${where} has more than ${max} entries`);
  const seen = new Set<string>();
  return raw.map((p, i) => {
    if (!isRecord(p) || typeof p.name !== 'string') invalid(`${where}[${i}] needs a name`);
    checkName(p.name, `${where}[${i}]`);
    if (seen.has(p.name)) invalid(`${where} repeats '${p.name}'`);
    seen.add(p.name);
    if (typeof p.type !== 'string' || !types.includes(p.type as IconType)) {
      invalid(`${where}.${p.name} has type '${String(p.type).slice(0, 20)}', not one of ${types.join(', ')}`);
    }
    if (p.optional !== undefined && typeof p.optional !== 'boolean') invalid(`${where}.${p.name}.optional`);
    return { name: p.name, type: p.type as IconType, optional: p.optional === true };
  });
}

/**
 * Validates the api JSON the sandbox extracted from a bundle. `missing` lists declared methods the class does
 * not implement. Throws DEPLOY_INVALID with a message naming the first problem.
 */
export function parseApiJson(json: string): ScoreApiSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    invalid('not JSON');
  }
  if (!isRecord(raw) || !isRecord(raw.methods) || !isRecord(raw.events)) invalid('needs methods and events');
  if (Array.isArray(raw.missing) && raw.missing.length > 0) {
    invalid(`declared method '${String(raw.missing[0]).slice(0, 70)}' is not implemented by the class`);
  }
  const methodNames = Object.keys(raw.methods);
  if (methodNames.length > MAX_METHODS) invalid(`more than ${MAX_METHODS} methods`);
  const methods: Record<string, ApiMethod> = {};
  for (const name of methodNames) {
    checkName(name, 'method');
    const m = raw.methods[name];
    if (!isRecord(m) || typeof m.readonly !== 'boolean') invalid(`method ${name} needs readonly: boolean`);
    const params = parseParams(m.params ?? [], `method ${name} params`, ICON_TYPES, MAX_PARAMS);
    if (m.returns !== undefined && !ICON_TYPES.includes(m.returns as IconType)) {
      invalid(`method ${name} returns an unknown type`);
    }
    if (name === INSTALL_METHOD && m.readonly) invalid(`${INSTALL_METHOD} must not be readonly`);
    methods[name] = {
      readonly: m.readonly,
      params,
      ...(m.returns === undefined ? {} : { returns: m.returns as IconType }),
    };
  }
  const eventNames = Object.keys(raw.events);
  if (eventNames.length > MAX_EVENTS) invalid(`more than ${MAX_EVENTS} events`);
  const events: Record<string, ApiEvent> = {};
  for (const name of eventNames) {
    checkName(name, 'event');
    const e = raw.events[name];
    if (!isRecord(e)) invalid(`event ${name} must be an object`);
    const indexed = parseParams(e.indexed ?? [], `event ${name} indexed`, EVENT_TYPES, MAX_INDEXED);
    const data = parseParams(e.data ?? [], `event ${name} data`, EVENT_TYPES, MAX_PARAMS);
    const names = new Set(indexed.map((p) => p.name));
    const clash = data.find((p) => names.has(p.name));
    if (clash !== undefined) invalid(`event ${name} repeats '${clash.name}'`);
    events[name] = { indexed, data };
  }
  return { methods, events };
}

/** ICON's event signature, the first indexed value of every event log: `Name(type,type,…)`. */
export function eventSignature(name: string, event: ApiEvent): string {
  return `${name}(${[...event.indexed, ...event.data].map((p) => p.type).join(',')})`;
}

/** The api in icx_getScoreApi's shape: functions, then events, each by name (stored records are canonical JSON); the install hook is not part of it. */
export function toIconApi(spec: ScoreApiSpec): IconApiEntry[] {
  const entries: IconApiEntry[] = [];
  for (const name of Object.keys(spec.methods).sort()) {
    const m = spec.methods[name]!;
    if (name === INSTALL_METHOD) continue;
    entries.push({
      type: 'function',
      name,
      inputs: m.params.map((p) => ({
        name: p.name,
        type: p.type,
        ...(p.optional ? { default: null } : {}),
      })),
      outputs: m.returns === undefined ? [] : [{ type: m.returns }],
      ...(m.readonly ? { readonly: '0x1' as const } : {}),
    });
  }
  for (const name of Object.keys(spec.events).sort()) {
    const e = spec.events[name]!;
    entries.push({
      type: 'eventlog',
      name,
      inputs: [
        ...e.indexed.map((p) => ({ name: p.name, type: p.type, indexed: '0x1' as const })),
        ...e.data.map((p) => ({ name: p.name, type: p.type })),
      ],
    });
  }
  return entries;
}

/** Own-property lookups only: a method called `toString` must not find Object.prototype's. */
export function findMethod(spec: ScoreApiSpec, name: string): ApiMethod | undefined {
  return Object.hasOwn(spec.methods, name) ? spec.methods[name] : undefined;
}

export function findEvent(spec: ScoreApiSpec, name: string): ApiEvent | undefined {
  return Object.hasOwn(spec.events, name) ? spec.events[name] : undefined;
}
