/**
 * buildGenesis: a channel's genesis block from its checked config. The built-in SCOREs are bundled from
 * contracts/ and installed through applyBlock on an empty state (the SCORE Store path, approved by
 * 'genesis'); the governance SCORE gets its `on_install` config from the genesis config. The header is
 * height 0 with no parent, proposer, justification or signature.
 *
 * Deterministic: the output is a function of the config and the contract sources only — no clock, no
 * randomness, no absolute paths (bundles name files relative to the project root) — so every operator who
 * builds the genesis from the same config gets the same bytes and the same block hash.
 */
import { canonicalJson } from '../codec/canonical-json.js';
import { join } from 'node:path';
import type { IconValue } from '../codec/icon-serialize.js';
import { bytesToHex } from '../codec/hex.js';
import {
  BLOCK_VERSION,
  blockHash,
  checkBlockShape,
  encodeBlock,
  validatorsHash,
  type Block,
  type BlockHeader,
} from '../ledger/block.js';
import { certLogHasher } from '../ledger/merkle.js';
import { LoopchainError } from '../errors.js';
import { applyBlock, commit } from '../score/apply-block.js';
import { bundleContract, PROJECT_ROOT } from '../score/bundle.js';
import type { BlockContext } from '../score/execution.js';
import type { GenesisScore } from '../score/genesis.js';
import { CommittedState, type BlockOverlay } from '../score/overlay.js';
import type { Receipt } from '../score/receipt.js';
import type { BlockCommit, StateWrite } from '../storage/channel-storage.js';
import { ROLES } from '../../contracts/governance/fields.js';
import { GOVERNANCE_SCORE, type GenesisConfig, type GenesisMember, type Role } from './config.js';

export class GenesisBuildError extends LoopchainError<'GENESIS_BUILD_FAILED'> {}

export interface BuildOptions {
  /** Where `scores[].source` directories are resolved; the project root by default. */
  readonly projectRoot?: string;
}

export interface Genesis {
  readonly block: Block;
  /** encodeBlock(block): what `genesis.block` holds. */
  readonly blockBytes: Uint8Array;
  readonly blockHash: Uint8Array;
  /** The state the built-ins wrote, sorted by key, as ChannelStorage.commitBlock takes it. */
  readonly stateWrites: readonly StateWrite[];
  /** Genesis carries no transactions, so no receipts: kept for the shape every block has. */
  readonly receipts: readonly Receipt[];
  /** The sealed genesis state: CommittedState.empty().apply(state) once the commit is durable. */
  readonly state: BlockOverlay;
  /** Built-in SCORE name → address. */
  readonly scores: Readonly<Record<string, string>>;
  /** The validator set from height 1, in rotation order. */
  readonly validators: readonly `hx${string}`[];
}

/** The execution context of the genesis block. */
export function genesisContext(config: GenesisConfig): BlockContext {
  return {
    channel: config.channel,
    height: 0,
    timestamp: config.timestamp,
    parentHash: new Uint8Array(0),
    governanceAddress: governanceOf(config).address,
  };
}

function governanceOf(config: GenesisConfig): GenesisConfig['scores'][number] {
  const g = config.scores.find((s) => s.name === GOVERNANCE_SCORE);
  if (g === undefined)
    throw new GenesisBuildError('GENESIS_BUILD_FAILED', 'no governance SCORE in the config');
  return g;
}

/**
 * Governance members: `members` in order, each validator institution listed there gaining the validator role,
 * then the validator institutions not listed there, with only that role.
 */
export function governanceMembers(config: GenesisConfig): GenesisMember[] {
  const validators = new Set<string>(config.validators.map((v) => v.address));
  const listed = new Set<string>(config.members.map((m) => m.address));
  // Roles in the canonical order, as governance stores them.
  const withRole = (roles: readonly Role[], add: boolean): Role[] =>
    ROLES.filter((r) => roles.includes(r) || (add && r === 'validator'));
  return [
    ...config.members.map((m) => ({ ...m, roles: withRole(m.roles, validators.has(m.address)) })),
    ...config.validators
      .filter((v) => !listed.has(v.address))
      .map((v): GenesisMember => ({ name: v.name, address: v.address, roles: ['validator'] })),
  ];
}

/** The `config` argument of governance's on_install (contracts/governance/payloads.ts parseGenesisConfig). */
export function governanceInstallConfig(config: GenesisConfig): Record<string, IconValue> {
  return {
    threshold: `0x${config.threshold.toString(16)}`,
    members: governanceMembers(config).map((m) => ({
      address: m.address,
      name: m.name,
      roles: [...m.roles],
    })),
    validatorSet: config.validators.map((v) => v.address),
    responderKeys: config.responderKeys.map((k) => ({
      responder: k.responder,
      publicKey: k.publicKey,
      name: k.name,
    })),
  };
}

function accountBytes(address: string): Uint8Array {
  return new Uint8Array(Buffer.from(address.slice(2), 'hex'));
}

/** Bundles and installs the built-ins and builds the height-0 block. Throws GENESIS_BUILD_FAILED. */
export async function buildGenesis(config: GenesisConfig, options: BuildOptions = {}): Promise<Genesis> {
  const root = options.projectRoot ?? PROJECT_ROOT;
  const governance = governanceOf(config);
  // Governance first: other built-ins may ask it about roles when they install.
  const ordered = [governance, ...config.scores.filter((s) => s !== governance)];
  const bundles = await Promise.all(
    ordered.map(async (s) => {
      try {
        return await bundleContract(join(root, s.source, 'index.ts'), { root });
      } catch (e) {
        throw new GenesisBuildError('GENESIS_BUILD_FAILED', `SCORE ${s.name}: ${(e as Error).message}`);
      }
    }),
  );
  const installs: GenesisScore[] = ordered.map((s, i) => ({
    address: s.address,
    code: bundles[i]!.code,
    deployer: s.owner,
    ...(s === governance ? { params: { config: governanceInstallConfig(config) } } : {}),
  }));

  let result;
  try {
    result = applyBlock(
      CommittedState.empty(),
      { transactions: [], genesis: installs, chainConfig: chainConfigRecord(config) },
      genesisContext(config),
    );
  } catch (e) {
    if (e instanceof LoopchainError) throw new GenesisBuildError('GENESIS_BUILD_FAILED', e.message);
    throw e;
  }

  const validators = config.validators.map((v) => v.address);
  const vHash = validatorsHash(validators.map(accountBytes));
  const header: BlockHeader = {
    version: BLOCK_VERSION,
    channel: config.channel,
    height: 0,
    round: 0,
    prevHash: new Uint8Array(0),
    timestamp: Number(config.timestamp),
    proposer: new Uint8Array(0),
    transactionsRoot: result.roots.transactionsRoot,
    receiptsRoot: result.roots.receiptsRoot,
    stateRoot: result.roots.stateRoot,
    certLogRoot: certLogHasher.emptyRoot(),
    certLogSize: 0,
    validatorsHash: vHash,
    nextValidatorsHash: vHash,
    justify: undefined,
  };
  const block: Block = { header, signature: new Uint8Array(0), transactions: [], issuance: undefined };
  checkBlockShape(block);
  return {
    block,
    blockBytes: encodeBlock(block),
    blockHash: blockHash(header),
    stateWrites: commit(result.state),
    receipts: result.receipts,
    state: result.state,
    scores: Object.fromEntries(config.scores.map((s) => [s.name, s.address])),
    validators,
  };
}

/** What ChannelStorage.commitBlock takes to make this genesis the channel's height 0. */
export function genesisCommit(genesis: Genesis): BlockCommit {
  return {
    height: 0,
    hash: genesis.blockHash,
    blockBytes: genesis.blockBytes,
    transactions: [],
    stateWrites: genesis.stateWrites,
    logNodes: [],
  };
}

/** The human-readable record written next to the block as genesis.json. */
export interface GenesisSummary {
  readonly channel: string;
  readonly nid: string;
  readonly height: 0;
  readonly blockHash: string;
  /** Microseconds, 0x-hex, and the same instant in ISO 8601. */
  readonly timestamp: string;
  readonly time: string;
  readonly stateRoot: string;
  readonly receiptsRoot: string;
  readonly transactionsRoot: string;
  readonly certLogRoot: string;
  readonly validatorsHash: string;
  readonly scores: Readonly<Record<string, string>>;
  readonly validators: readonly { name: string; address: string; caCertificateSha256?: string }[];
  readonly threshold: number;
  readonly members: readonly { name: string; address: string; roles: readonly Role[] }[];
  readonly responderKeys: readonly { responder: string; name: string; publicKey: string }[];
  readonly consensus: GenesisConfig['consensus'];
  readonly rootCertificate: {
    readonly subject: string;
    readonly fingerprintSha256: string;
    readonly notBefore: string;
    readonly notAfter: string;
    readonly pem: string;
  };
}

const hex = (b: Uint8Array): string => `0x${bytesToHex(b)}`;

export function genesisSummary(config: GenesisConfig, genesis: Genesis): GenesisSummary {
  const h = genesis.block.header!;
  const root = config.rootCertificate;
  return {
    channel: config.channel,
    nid: config.nid,
    height: 0,
    blockHash: hex(genesis.blockHash),
    timestamp: `0x${config.timestamp.toString(16)}`,
    time: new Date(Number(config.timestamp / 1000n)).toISOString(),
    stateRoot: hex(h.stateRoot),
    receiptsRoot: hex(h.receiptsRoot),
    transactionsRoot: hex(h.transactionsRoot),
    certLogRoot: hex(h.certLogRoot),
    validatorsHash: hex(h.validatorsHash),
    scores: genesis.scores,
    validators: config.validators.map((v) => ({
      name: v.name,
      address: v.address,
      ...(v.caCertificate === undefined ? {} : { caCertificateSha256: v.caCertificate.fingerprintSha256 }),
    })),
    threshold: config.threshold,
    members: governanceMembers(config).map((m) => ({ name: m.name, address: m.address, roles: m.roles })),
    responderKeys: config.responderKeys.map((k) => ({ ...k })),
    consensus: { ...config.consensus },
    rootCertificate: {
      subject: root.subject,
      fingerprintSha256: root.fingerprintSha256,
      notBefore: root.notBefore,
      notAfter: root.notAfter,
      pem: root.pem,
    },
  };
}

/**
 * What the chain agrees on beyond SCORE state: stored in the genesis state, so the genesis state root and
 * block hash commit to the consortium root certificate, the Validator CAs, the nid and the consensus
 * parameters (DESIGN §6: the root certificate is in genesis; STYLE 8: chain config lives in genesis).
 */
export function chainConfigRecord(config: GenesisConfig): string {
  return canonicalJson({
    channel: config.channel,
    nid: config.nid,
    rootCertificate: Buffer.from(config.rootCertificate.der).toString('base64'),
    validators: config.validators.map((v) => ({
      address: v.address,
      name: v.name,
      ...(v.caCertificate === undefined
        ? {}
        : { caCertificate: Buffer.from(v.caCertificate.der).toString('base64') }),
    })),
    consensus: config.consensus,
    scores: Object.fromEntries(config.scores.map((s) => [s.name, s.address])),
    ...(config.pki === undefined ? {} : { pki: config.pki }),
  });
}
