/**
 * Typed errors of the network domain (STYLE 5). The gRPC server translates them once into status codes
 * (INVALID_ARGUMENT for `PeerCodecError`); callers of the transport match on `code`, never on messages.
 */
import { LoopchainError } from '../errors.js';

/** Why bytes or fields from a peer (or a caller) are not a well-formed consensus or channel message. */
export type PeerCodecErrorCode =
  | 'MALFORMED'
  | 'MISSING_FIELD'
  | 'BAD_LENGTH'
  | 'BAD_INTEGER'
  | 'BAD_ID'
  | 'TOO_MANY'
  | 'DUPLICATE_SIGNER'
  | 'TOO_LARGE';
export class PeerCodecError extends LoopchainError<PeerCodecErrorCode> {}

/** Why the transport could not do what was asked (fetchBlocks, peerHeight, start-up). */
export type PeerTransportErrorCode =
  | 'BAD_OPTIONS'
  | 'BAD_CERTIFICATE'
  | 'UNKNOWN_PEER'
  | 'NOT_ATTACHED'
  | 'REFUSED'
  | 'UNAVAILABLE'
  | 'BAD_RESPONSE'
  | 'CLOSED';
export class PeerTransportError extends LoopchainError<PeerTransportErrorCode> {}
