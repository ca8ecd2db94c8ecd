/**
 * The member institutions and their roles. Members are listed through an array kept dense by swap-remove
 * (removing a member moves the last one into its slot), so pages are cheap; their order is not meaningful.
 */
import { ArrayDB, DictDB, VarDB } from '../../src/score/sdk/index.js';
import { hex, type Role } from './fields.js';

/** As stored (JSON-safe: heights as 0x-hex). */
export interface MemberRecord {
  readonly address: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly admittedAt: string;
}

/** As returned by the readonly methods. */
export interface MemberView {
  readonly address: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly admittedAt: bigint;
}

export class MemberRegistry {
  private readonly records = new DictDB('members', 'json');
  private readonly list = new ArrayDB('members.list', 'Address');
  private readonly position = new DictDB('members.position', 'int');
  private readonly admins = new VarDB('members.admins', 'int');

  get(address: string): MemberRecord | undefined {
    return this.records.get(address) as MemberRecord | undefined;
  }

  has(address: string): boolean {
    return this.records.has(address);
  }

  hasRole(address: string | undefined, role: Role): boolean {
    if (address === undefined) return false;
    return this.get(address)?.roles.includes(role) ?? false;
  }

  adminCount(): bigint {
    return this.admins.get() ?? 0n;
  }

  total(): number {
    return this.list.length;
  }

  at(index: number): MemberRecord | undefined {
    const address = this.list.get(index);
    return address === undefined ? undefined : this.get(address);
  }

  add(address: string, name: string, roles: readonly Role[], height: bigint): MemberRecord {
    const record: MemberRecord = { address, name, roles: [...roles], admittedAt: hex(height) };
    this.records.set(address, record);
    this.position.set(address, BigInt(this.list.length));
    this.list.push(address);
    if (roles.includes('admin')) this.admins.set(this.adminCount() + 1n);
    return record;
  }

  setRoles(address: string, roles: readonly Role[]): void {
    const old = this.get(address);
    if (old === undefined) throw new Error(`setRoles on non-member ${address}`);
    this.records.set(address, { ...old, roles: [...roles] });
    const delta = Number(roles.includes('admin')) - Number(old.roles.includes('admin'));
    if (delta !== 0) this.admins.set(this.adminCount() + BigInt(delta));
  }

  remove(address: string): void {
    const old = this.get(address);
    const pos = this.position.get(address);
    if (old === undefined || pos === undefined) throw new Error(`remove of non-member ${address}`);
    const last = this.list.pop();
    if (last !== undefined && last !== address) {
      this.list.set(Number(pos), last);
      this.position.set(last, pos);
    }
    this.position.remove(address);
    this.records.remove(address);
    if (old.roles.includes('admin')) this.admins.set(this.adminCount() - 1n);
  }
}

export function memberView(record: MemberRecord): MemberView {
  return {
    address: record.address,
    name: record.name,
    roles: [...record.roles],
    admittedAt: BigInt(record.admittedAt),
  };
}
