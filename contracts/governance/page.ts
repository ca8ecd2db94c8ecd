/** Paging of the readonly list queries: `offset` from 0, `limit` capped so one query stays cheap. */
import { require_ } from '../../src/score/sdk/index.js';

export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  readonly total: bigint;
  readonly items: readonly T[];
}

/** Reads items [offset, offset + min(limit, 100)) of a list of `total`; an offset past the end is an empty page. */
export function page<T>(
  offset: bigint,
  limit: bigint,
  total: number,
  at: (index: number) => T | undefined,
): Page<T> {
  require_(offset >= 0n, 'INVALID_PARAMS', 'offset: must be >= 0');
  require_(limit >= 1n, 'INVALID_PARAMS', 'limit: must be >= 1');
  const start = offset > BigInt(total) ? total : Number(offset);
  const end = Math.min(total, start + Number(limit > BigInt(MAX_PAGE_SIZE) ? BigInt(MAX_PAGE_SIZE) : limit));
  const items: T[] = [];
  for (let i = start; i < end; i++) {
    const item = at(i);
    if (item !== undefined) items.push(item);
  }
  return { total: BigInt(total), items };
}
