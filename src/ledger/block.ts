/**
 * Blocks (DESIGN §3). The block hash is the root of a Merkle tree whose leaves are the header fields
 * (ICON 0.3 style), so any single field — a state root, the certificate-log checkpoint — can be proven
 * against a quorum-signed hash without the rest of the header. Each leaf carries the field's name, so
 * a proof can never pass one field off as another.
 *
 * The proposer signs the block hash with secp256k1 (recoverable, as transactions); the storage and
 * wire form is protobuf (`proto/loopchain/v1/block.proto`).
 */
import { concatBytes, bytesToHex } from '../codec/hex.js';
import {
  Block,
  BlockHeader,
  Justify,
  type Issuance,
  type QuorumCertificate,
  type TimeoutCertificate,
} from '../codec/proto/loopchain/v1/block.js';
import { addressOfPoint } from '../crypto/address.js';
import { recoverPublicKey, signRecoverable, SignatureError } from '../crypto/secp256k1.js';
import { LoopchainError } from '../errors.js';
import { blockHasher, type InclusionProof } from './merkle.js';

export { Block, BlockHeader, Justify };
export type {
  Issuance,
  QuorumCertificate,
  TimeoutCertificate,
  Vote,
  TimeoutVote,
} from '../codec/proto/loopchain/v1/block.js';

export type BlockErrorCode =
  'MALFORMED_BLOCK' | 'TOO_LARGE' | 'INVALID_FIELD' | 'INVALID_SIGNATURE' | 'WRONG_PROPOSER';

export class BlockError extends LoopchainError<BlockErrorCode> {
  constructor(code: BlockErrorCode, message: string, field?: string) {
    super(code, message, field === undefined ? {} : { field });
  }
}

export const BLOCK_VERSION = 1;

/** The header fields in leaf order. Appending is allowed with a new block version; reordering never. */
export const HEADER_FIELDS = [
  'version',
  'channel',
  'height',
  'round',
  'prevHash',
  'timestamp',
  'proposer',
  'transactionsRoot',
  'receiptsRoot',
  'stateRoot',
  'certLogRoot',
  'certLogSize',
  'validatorsHash',
  'nextValidatorsHash',
  'justify',
] as const satisfies readonly (keyof BlockHeader)[];

export type HeaderField = (typeof HEADER_FIELDS)[number];

export interface BlockLimits {
  maxBytes: number;
  maxTransactions: number;
  maxVotes: number;
}

export const DEFAULT_BLOCK_LIMITS: BlockLimits = {
  maxBytes: 32 * 1024 * 1024,
  maxTransactions: 20_000,
  maxVotes: 1024,
};

const UTF8 = new TextEncoder();

function uint64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

function fieldValue(header: BlockHeader, field: HeaderField): Uint8Array {
  const v = header[field];
  if (field === 'justify')
    return header.justify === undefined ? new Uint8Array(0) : Justify.encode(header.justify).finish();
  if (typeof v === 'number') return uint64(v);
  if (typeof v === 'string') return UTF8.encode(v);
  return v as Uint8Array;
}

/** Leaf data of each header field: name ‖ 0x00 ‖ value (uint64 big-endian, UTF-8, raw bytes, or protobuf). */
export function headerLeaves(header: BlockHeader): Uint8Array[] {
  return HEADER_FIELDS.map((f) => concatBytes(UTF8.encode(f), Uint8Array.of(0), fieldValue(header, f)));
}

export function blockHash(header: BlockHeader): Uint8Array {
  return blockHasher.rootFromLeaves(headerLeaves(header));
}

/** An inclusion proof of one header field against the block hash. */
export function headerFieldProof(header: BlockHeader, field: HeaderField): InclusionProof {
  const leafHashes = headerLeaves(header).map((l) => blockHasher.hashLeaf(l));
  const leafIndex = HEADER_FIELDS.indexOf(field);
  return {
    leafIndex,
    treeSize: leafHashes.length,
    leafHash: leafHashes[leafIndex]!,
    proof: blockHasher.inclusionProof(leafHashes, leafIndex),
  };
}

/** Root over the transaction hashes of a block, in block order. */
export function transactionsRoot(txHashes: readonly Uint8Array[]): Uint8Array {
  return blockHasher.rootFromLeaves(txHashes);
}

/** Commitment to a validator set: the root over the 20-byte account ids in set order. */
export function validatorsHash(validators: readonly Uint8Array[]): Uint8Array {
  return blockHasher.rootFromLeaves(validators);
}

export function signBlock(header: BlockHeader, privateKey: Uint8Array): Uint8Array {
  return signRecoverable(blockHash(header), privateKey);
}

export function proposerAddress(header: BlockHeader): `hx${string}` {
  return `hx${bytesToHex(header.proposer)}`;
}

/** Checks that the block is signed by its header's proposer. Genesis (height 0) carries no signature. */
export function verifyBlockSignature(block: Block): void {
  const header = requireHeader(block);
  if (header.height === 0) {
    if (block.signature.length !== 0)
      throw new BlockError('INVALID_SIGNATURE', 'genesis carries no signature');
    return;
  }
  let signer: string;
  try {
    signer = addressOfPoint(recoverPublicKey(blockHash(header), block.signature));
  } catch (e) {
    if (e instanceof SignatureError) throw new BlockError('INVALID_SIGNATURE', e.message, 'signature');
    throw e;
  }
  if (signer !== proposerAddress(header)) {
    throw new BlockError(
      'WRONG_PROPOSER',
      `signed by ${signer}, not by the proposer ${proposerAddress(header)}`,
    );
  }
}

export function encodeBlock(block: Block): Uint8Array {
  return Block.encode(block).finish();
}

/** Decodes and shape-checks a block from storage or a peer. Every failure is a BlockError. */
export function decodeBlock(bytes: Uint8Array, limits: BlockLimits = DEFAULT_BLOCK_LIMITS): Block {
  if (bytes.length > limits.maxBytes) {
    throw new BlockError(
      'TOO_LARGE',
      `block is ${bytes.length} bytes, more than the limit of ${limits.maxBytes}`,
    );
  }
  let block: Block;
  try {
    block = Block.decode(bytes);
  } catch (e) {
    throw new BlockError('MALFORMED_BLOCK', `not a protobuf block: ${(e as Error).message}`);
  }
  checkBlockShape(block, limits);
  return block;
}

function requireHeader(block: Block): BlockHeader {
  if (block.header === undefined) throw new BlockError('INVALID_FIELD', 'block has no header', 'header');
  return block.header;
}

function expectLength(value: Uint8Array, length: number, field: string): void {
  if (value.length !== length) {
    throw new BlockError('INVALID_FIELD', `${field} must be ${length} bytes, got ${value.length}`, field);
  }
}

const CHANNEL_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Field lengths and bounds that hold for every block; consensus and execution check the rest. */
export function checkBlockShape(block: Block, limits: BlockLimits = DEFAULT_BLOCK_LIMITS): void {
  const h = requireHeader(block);
  if (h.version !== BLOCK_VERSION)
    throw new BlockError('INVALID_FIELD', `unknown block version ${h.version}`, 'version');
  if (!CHANNEL_NAME.test(h.channel))
    throw new BlockError('INVALID_FIELD', 'channel is not a channel name', 'channel');
  for (const f of [
    'transactionsRoot',
    'receiptsRoot',
    'stateRoot',
    'certLogRoot',
    'validatorsHash',
    'nextValidatorsHash',
  ] as const) {
    expectLength(h[f], 32, f);
  }
  if (block.transactions.length > limits.maxTransactions) {
    throw new BlockError('TOO_LARGE', `more than ${limits.maxTransactions} transactions`, 'transactions');
  }
  if (block.issuance !== undefined) checkIssuance(block.issuance, limits);
  if (h.height === 0) {
    if (
      block.issuance !== undefined ||
      h.prevHash.length !== 0 ||
      h.proposer.length !== 0 ||
      h.justify !== undefined ||
      block.signature.length !== 0
    ) {
      throw new BlockError(
        'INVALID_FIELD',
        'genesis has no parent, proposer, justification or signature',
        'height',
      );
    }
    return;
  }
  expectLength(h.prevHash, 32, 'prevHash');
  expectLength(h.proposer, 20, 'proposer');
  expectLength(block.signature, 65, 'signature');
  if (h.justify?.qc === undefined)
    throw new BlockError('INVALID_FIELD', 'a block must carry the QC of its parent', 'justify');
  checkQc(h.justify.qc, 'justify.qc', limits);
  if (h.justify.qc.height !== h.height - 1) {
    throw new BlockError('INVALID_FIELD', 'justify.qc must certify the parent height', 'justify.qc.height');
  }
  if (h.justify.tc !== undefined) checkTc(h.justify.tc, limits);
}

/** Bounds of the issuance record; its contents are checked by re-execution (src/pki/block-issuer.ts). */
const MAX_ISSUER_CERTIFICATE_BYTES = 8 * 1024;
const MAX_ECDSA_SIGNATURE_BYTES = 160;

function checkIssuance(issuance: Issuance, limits: BlockLimits): void {
  const n = issuance.issuerCertificate.length;
  if (n === 0 || n > MAX_ISSUER_CERTIFICATE_BYTES) {
    throw new BlockError(
      'INVALID_FIELD',
      `issuance.issuerCertificate must be 1..${MAX_ISSUER_CERTIFICATE_BYTES} bytes, got ${n}`,
      'issuance.issuerCertificate',
    );
  }
  // Each transaction signs at most its certificate plus the responder certificates of a first issuance.
  if (issuance.signatures.length > limits.maxTransactions + limits.maxVotes) {
    throw new BlockError('TOO_LARGE', 'too many issuance signatures', 'issuance.signatures');
  }
  issuance.signatures.forEach((sig, i) => {
    expectLength(sig.tbsSha256, 32, `issuance.signatures[${i}].tbsSha256`);
    if (sig.signature.length === 0 || sig.signature.length > MAX_ECDSA_SIGNATURE_BYTES) {
      throw new BlockError(
        'INVALID_FIELD',
        `issuance.signatures[${i}].signature must be 1..${MAX_ECDSA_SIGNATURE_BYTES} bytes`,
        `issuance.signatures[${i}].signature`,
      );
    }
  });
}

function checkQc(qc: QuorumCertificate, path: string, limits: BlockLimits): void {
  expectLength(qc.blockHash, 32, `${path}.blockHash`);
  if (qc.votes.length > limits.maxVotes) throw new BlockError('TOO_LARGE', `too many votes in ${path}`, path);
  qc.votes.forEach((v, i) => {
    expectLength(v.validator, 20, `${path}.votes[${i}].validator`);
    expectLength(v.signature, 65, `${path}.votes[${i}].signature`);
  });
}

function checkTc(tc: TimeoutCertificate, limits: BlockLimits): void {
  if (tc.timeouts.length > limits.maxVotes)
    throw new BlockError('TOO_LARGE', 'too many timeouts in justify.tc', 'justify.tc');
  tc.timeouts.forEach((t, i) => {
    expectLength(t.validator, 20, `justify.tc.timeouts[${i}].validator`);
    expectLength(t.signature, 65, `justify.tc.timeouts[${i}].signature`);
  });
  if (tc.highQc !== undefined) checkQc(tc.highQc, 'justify.tc.highQc', limits);
}
