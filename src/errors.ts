/**
 * One base class for every typed error in the project (STYLE 5). Each domain declares a union of string
 * codes; edges (JSON-RPC, problem+json, OCSP, gRPC) translate `code` once and never match on messages.
 */
export class LoopchainError<C extends string = string> extends Error {
  readonly code: C;
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, detail: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.detail = detail;
  }
}

export function isLoopchainError(e: unknown): e is LoopchainError {
  return e instanceof LoopchainError;
}
