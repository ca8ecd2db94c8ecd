/**
 * OCSP responder keys. Each registered key gets a sequential id (1, 2, …) and is never deleted: retiring
 * keeps the record with its retirement height, so an auditor can tell which key was trusted when. A public
 * key can be registered only once, even after it is retired.
 */
import { DictDB, VarDB } from '../../src/score/sdk/index.js';
import { hex } from './fields.js';

/**
 * Active keys one responder may hold: removing a responder retires all of them in one transaction, with one
 * event each, and the host allows 256 events per call.
 */
export const MAX_ACTIVE_KEYS_PER_RESPONDER = 8;

export interface ResponderKeyRecord {
  readonly id: string;
  readonly responder: string;
  readonly publicKey: string;
  readonly name: string;
  readonly status: 'active' | 'retired';
  readonly registeredAt: string;
  readonly retiredAt?: string;
}

export interface ResponderKeyView {
  readonly id: bigint;
  readonly responder: string;
  readonly publicKey: string;
  readonly name: string;
  readonly status: 'active' | 'retired';
  readonly registeredAt: bigint;
  readonly retiredAt?: bigint;
}

export class ResponderKeyRegistry {
  private readonly records = new DictDB('responderKeys', 'json');
  private readonly count = new VarDB('responderKeys.count', 'int');
  private readonly byPublicKey = new DictDB('responderKeys.byKey', 'int');
  /** responder -> ids (0x-hex) of its active keys */
  private readonly activeByResponder = new DictDB('responderKeys.active', 'json');

  total(): number {
    return Number(this.count.get() ?? 0n);
  }

  get(id: bigint): ResponderKeyRecord | undefined {
    return this.records.get(hex(id)) as ResponderKeyRecord | undefined;
  }

  idOf(publicKey: string): bigint | undefined {
    return this.byPublicKey.get(publicKey);
  }

  /** Ids of the responder's keys that are still active. */
  activeIdsOf(responder: string): bigint[] {
    const ids = (this.activeByResponder.get(responder) as string[] | undefined) ?? [];
    return ids.map((id) => BigInt(id));
  }

  register(responder: string, publicKey: string, name: string, height: bigint): bigint {
    const id = (this.count.get() ?? 0n) + 1n;
    const record: ResponderKeyRecord = {
      id: hex(id),
      responder,
      publicKey,
      name,
      status: 'active',
      registeredAt: hex(height),
    };
    this.records.set(hex(id), record);
    this.count.set(id);
    this.byPublicKey.set(publicKey, id);
    const active = (this.activeByResponder.get(responder) as string[] | undefined) ?? [];
    this.activeByResponder.set(responder, [...active, hex(id)]);
    return id;
  }

  retire(id: bigint, height: bigint): ResponderKeyRecord {
    const old = this.get(id);
    if (old === undefined) throw new Error(`retire of unknown responder key ${id}`);
    const record: ResponderKeyRecord = { ...old, status: 'retired', retiredAt: hex(height) };
    this.records.set(hex(id), record);
    const active = (this.activeByResponder.get(old.responder) as string[] | undefined) ?? [];
    const rest = active.filter((k) => k !== hex(id));
    if (rest.length === 0) this.activeByResponder.remove(old.responder);
    else this.activeByResponder.set(old.responder, rest);
    return record;
  }
}

export function responderKeyView(r: ResponderKeyRecord): ResponderKeyView {
  return {
    id: BigInt(r.id),
    responder: r.responder,
    publicKey: r.publicKey,
    name: r.name,
    status: r.status,
    registeredAt: BigInt(r.registeredAt),
    ...(r.retiredAt === undefined ? {} : { retiredAt: BigInt(r.retiredAt) }),
  };
}
