/**
 * A real channel for the block execution tests: a consortium root and Validator CAs made by the ceremony code,
 * a genesis config with governance, the certificate authority and chat (and a `pki` section) checked by
 * checkGenesisConfig and built by buildGenesis, the chain config read back from the genesis state, and the
 * ExecutionEnv of a proposer (with its Validator CA key) and of a validator (without one).
 *
 * Fixed keys and a fixed genesis time: nothing here reads the clock, so every run builds the same chain
 * (only the CA keys and serials are fresh per process).
 */
import type { KeyObject } from 'node:crypto';
import { sha3_256 } from '../../src/codec/hash.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { buildGenesis, type Genesis } from '../../src/genesis/build.js';
import { checkGenesisConfig, type GenesisConfig } from '../../src/genesis/config.js';
import { configFiles } from '../../src/genesis/load.js';
import { validatorsHash } from '../../src/ledger/block.js';
import {
  parseTransaction,
  signTransaction,
  type Transaction,
  type TxParams,
} from '../../src/ledger/transaction.js';
import { parentCa, type ParentCa } from '../../src/pki/block-issuer.js';
import { createRoot, issueValidatorCa, type IssuedCa } from '../../src/pki/ceremony.js';
import { toPem } from '../../src/pki/tbs.js';
import { PROJECT_ROOT } from '../../src/score/bundle.js';
import { CommittedState } from '../../src/score/overlay.js';
import { readChainConfig, type ChainConfig } from '../../src/channel/chain-config.js';
import type { ExecutionEnv, ParentRef } from '../../src/channel/block-exec.js';
import type { QuorumCert } from '../../src/consensus/types.js';
import { seededRandom } from './pki-fixture.js';

export const CHANNEL = 'kofia';
export const NID = '0x3';
export const CONSORTIUM = 'Channel Test Consortium';
export const OCSP_URL = 'http://127.0.0.1:8090/ocsp';
export const GOVERNANCE = 'cx0000000000000000000000000000000000000001';
export const CA = 'cx0000000000000000000000000000000000000002';
export const CHAT = 'cx0000000000000000000000000000000000000003';
/** The ceremony time and the genesis time (µs), a month apart; every block time is after both. */
export const CEREMONY_TIME = new Date('2025-01-01T00:00:00Z');
export const GENESIS_TIME_US = BigInt(Date.parse('2025-02-01T00:00:00Z')) * 1000n;
/** ICON's transaction window (runtime.ts DEFAULT_RUNTIME_LIMITS.txWindowUs). */
export const TX_WINDOW_US = 300_000_000n;

export interface Account {
  readonly key: Uint8Array;
  readonly address: `hx${string}`;
  /** The 20-byte account id, as a block header's proposer. */
  readonly id: Uint8Array;
}

export function account(label: string): Account {
  const key = sha3_256(`channel-test-key:${label}`);
  const address = addressFromPublicKey(publicKeyOf(key));
  return { key, address, id: new Uint8Array(Buffer.from(address.slice(2), 'hex')) };
}

/** v0 and v1 have Validator CAs; v2 and v3 do not. */
export const VALIDATORS = [0, 1, 2, 3].map((i) => account(`validator-${i}`));
export const ADMIN = account('admin');
export const FIRM_A = account('firm-a');
export const ALICE = account('alice');

export interface ChannelFixture {
  readonly root: IssuedCa;
  /** Validator CAs of v0 and v1. */
  readonly validatorCas: readonly IssuedCa[];
  readonly genesisConfig: GenesisConfig;
  readonly genesis: Genesis;
  readonly config: ChainConfig;
  readonly state: CommittedState;
  readonly parent: ParentRef;
  /** The QC the first block carries: the genesis block's (no votes). */
  readonly genesisQc: QuorumCert;
  readonly validatorsHash: Uint8Array;
}

const pem = (der: Uint8Array): string => toPem(der, 'CERTIFICATE');

let cached: Promise<ChannelFixture> | undefined;

/** Builds the channel once per test process. */
export function channelFixture(): Promise<ChannelFixture> {
  cached ??= make();
  return cached;
}

async function make(): Promise<ChannelFixture> {
  const root = createRoot({ consortium: CONSORTIUM, curve: 'P-256', notBefore: CEREMONY_TIME });
  const validatorCas = [0, 1].map((i) =>
    issueValidatorCa({
      root,
      consortium: CONSORTIUM,
      institution: `Validator ${i}`,
      address: VALIDATORS[i]!.address,
      notBefore: CEREMONY_TIME,
    }),
  );
  const raw = {
    channel: CHANNEL,
    nid: NID,
    timestamp: Number(GENESIS_TIME_US),
    rootCertificate: { pem: pem(root.certificate) },
    validators: VALIDATORS.map((v, i) => ({
      name: `Validator ${i}`,
      address: v.address,
      ...(i < validatorCas.length ? { caCertificate: { pem: pem(validatorCas[i]!.certificate) } } : {}),
    })),
    members: [
      { name: 'KOFIA', address: ADMIN.address, roles: ['admin'] },
      { name: 'Firm A', address: FIRM_A.address, roles: ['ra'] },
    ],
    threshold: 1,
    responderKeys: [],
    consensus: { leaderTerm: 1, baseTimeoutMs: 1000, maxTimeoutMs: 30000 },
    pki: { consortium: CONSORTIUM, ocspUrl: OCSP_URL },
    scores: [
      { name: 'governance', address: GOVERNANCE, source: 'contracts/governance' },
      { name: 'certificateAuthority', address: CA, source: 'contracts/certificate-authority' },
      { name: 'chat', address: CHAT, source: 'contracts/chat' },
    ],
  };
  // Every certificate is inline, so the config's own path only matters for relative file names (none).
  const genesisConfig = checkGenesisConfig(raw, configFiles(`${PROJECT_ROOT}/genesis.json`));
  const genesis = await buildGenesis(genesisConfig);
  // The state as a node loads it from storage after committing the genesis (ChannelRuntime.open).
  const state = await CommittedState.load(
    {
      async *entries() {
        for (const w of genesis.stateWrites) if (w.value !== null) yield { key: w.key, value: w.value };
      },
    },
    { height: 0, stateRoot: genesis.block.header!.stateRoot },
  );
  const config = readChainConfig(state);
  return {
    root,
    validatorCas,
    genesisConfig,
    genesis,
    config,
    state,
    parent: { state, hash: genesis.blockHash, height: 0, timestamp: GENESIS_TIME_US },
    genesisQc: { height: 0, round: 0, blockHash: genesis.blockHash, votes: [] },
    validatorsHash: validatorsHash(VALIDATORS.map((v) => v.id)),
  };
}

/** The Validator CAs of the chain config by validator id, as the runtime parses them. */
export function validatorCasOf(config: ChainConfig): Map<string, ParentCa> {
  const cas = new Map<string, ParentCa>();
  for (const v of config.validators) if (v.caCertificate) cas.set(v.id, parentCa(v.caCertificate));
  return cas;
}

/** A validator's env: it re-executes blocks and issues nothing itself. */
export function validatorEnv(config: ChainConfig, over: Partial<ExecutionEnv> = {}): ExecutionEnv {
  return {
    config,
    validatorCas: validatorCasOf(config),
    random: seededRandom(999),
    txWindowUs: TX_WINDOW_US,
    ...over,
  };
}

/** A proposer's env: its Validator CA and key sign the certificates its blocks issue. */
export function proposerEnv(
  config: ChainConfig,
  ca: { readonly certificate: Uint8Array; readonly privateKey: KeyObject },
  seed: number,
): ExecutionEnv {
  return validatorEnv(config, {
    signerCa: { parent: parentCa(ca.certificate), key: ca.privateKey },
    random: seededRandom(seed),
  });
}

let nonce = 0;

/** A signed transaction of the channel at time `timestampUs`; `over` applies before signing. */
export function tx(
  from: Account,
  to: string,
  method: string,
  params: Record<string, string>,
  timestampUs: bigint,
  over: Partial<TxParams> = {},
): Transaction {
  nonce += 1;
  return parseTransaction(
    signTransaction(
      {
        version: '0x3',
        from: from.address,
        to,
        stepLimit: '0x10000000',
        timestamp: `0x${timestampUs.toString(16)}`,
        nid: NID,
        nonce: `0x${nonce.toString(16)}`,
        dataType: 'call',
        data: { method, params },
        ...over,
      },
      from.key,
    ),
  );
}
