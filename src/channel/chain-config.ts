/**
 * The chain config a channel agreed on at genesis (src/genesis/build.ts chainConfigRecord), read back from
 * the state: nid, validator institutions with their Validator CA certificates, consensus parameters, the
 * built-in SCORE addresses and the certificate policy. Every node reads the same bytes, so every node
 * derives the same values.
 */
import type { StateReader } from '../score/overlay.js';
import { CHAIN_CONFIG_KEY } from '../score/state-layout.js';
import { LoopchainError } from '../errors.js';
import type { ValidatorId } from '../consensus/types.js';

export class ChainConfigError extends LoopchainError<'CHAIN_CONFIG_MISSING' | 'CHAIN_CONFIG_MALFORMED'> {}

export interface ChainValidator {
  readonly id: ValidatorId;
  readonly address: `hx${string}`;
  readonly name: string;
  /** DER of the institution's Validator CA certificate, when it has one (needed to issue). */
  readonly caCertificate?: Uint8Array;
}

export interface ChainConfig {
  readonly channel: string;
  readonly nid: bigint;
  readonly nidHex: string;
  readonly rootCertificate: Uint8Array;
  readonly validators: readonly ChainValidator[];
  readonly consensus: { leaderTerm: number; baseTimeoutMs: number; maxTimeoutMs: number };
  readonly scores: Readonly<Record<string, string>>;
  readonly governanceAddress: string;
  readonly certificateAuthorityAddress?: string;
  readonly pki?: { consortium: string; ocspUrl: string; maxValidityDays?: number };
}

export const idOf = (address: string): ValidatorId => address.slice(2);
export const addressOf = (id: ValidatorId): `hx${string}` => `hx${id}`;

function malformed(why: string): never {
  throw new ChainConfigError('CHAIN_CONFIG_MALFORMED', `the chain config in the state is malformed: ${why}`);
}

export function readChainConfig(state: StateReader): ChainConfig {
  const text = state.get(CHAIN_CONFIG_KEY);
  if (text === undefined) {
    throw new ChainConfigError(
      'CHAIN_CONFIG_MISSING',
      'the state holds no chain config: not a genesis state',
    );
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    malformed('not JSON');
  }
  const scores = (raw.scores ?? {}) as Record<string, string>;
  const governanceAddress = scores.governance;
  if (typeof raw.channel !== 'string' || typeof raw.nid !== 'string' || !Array.isArray(raw.validators))
    malformed('channel, nid or validators missing');
  if (governanceAddress === undefined) malformed('no governance SCORE');
  const validators = (raw.validators as Record<string, unknown>[]).map((v): ChainValidator => {
    const address = v.address as `hx${string}`;
    return {
      id: idOf(address),
      address,
      name: String(v.name),
      ...(typeof v.caCertificate === 'string'
        ? { caCertificate: new Uint8Array(Buffer.from(v.caCertificate, 'base64')) }
        : {}),
    };
  });
  const ca = scores.certificateAuthority;
  return {
    channel: raw.channel,
    nid: BigInt(raw.nid),
    nidHex: raw.nid,
    rootCertificate: new Uint8Array(Buffer.from(String(raw.rootCertificate), 'base64')),
    validators,
    consensus: raw.consensus as ChainConfig['consensus'],
    scores,
    governanceAddress,
    ...(ca === undefined ? {} : { certificateAuthorityAddress: ca }),
    ...(raw.pki === undefined ? {} : { pki: raw.pki as NonNullable<ChainConfig['pki']> }),
  };
}
