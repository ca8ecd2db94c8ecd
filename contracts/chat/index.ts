/**
 * The chat SCORE, the seed's demo: anyone who can send a transaction posts a short message to one shared,
 * append-only history, and anyone can page through it. Each SCORE is bundled on its own, so this file
 * depends on nothing but the SDK.
 */
import { ArrayDB, emit, require_, Score, type ScoreApi } from '../../src/score/sdk/index.js';

/** Characters (code points, so an emoji counts once), as in the seed's tweet-sized demo. */
export const MAX_MESSAGE_LENGTH = 280;
export const MAX_PAGE_SIZE = 100;

/** As stored (JSON-safe: height and timestamp as 0x-hex). */
interface StoredMessage {
  readonly sender: string;
  readonly message: string;
  readonly height: string;
  readonly timestamp: string;
}

export interface ChatMessage {
  readonly index: bigint;
  readonly sender: string;
  readonly message: string;
  readonly height: bigint;
  /** Block timestamp, microseconds since the Unix epoch. */
  readonly timestamp: bigint;
}

export default class ChatScore extends Score {
  static readonly api: ScoreApi = {
    methods: {
      post: { readonly: false, params: [{ name: 'message', type: 'str' }] },
      getMessages: {
        readonly: true,
        params: [
          { name: 'offset', type: 'int' },
          { name: 'limit', type: 'int' },
        ],
        returns: 'dict',
      },
    },
    events: {
      MessagePosted: {
        indexed: [{ name: 'sender', type: 'Address' }],
        data: [
          { name: 'index', type: 'int' },
          { name: 'message', type: 'str' },
        ],
      },
    },
  };

  private readonly history = new ArrayDB('messages', 'json');

  /** Appends the message with its sender and block; emits MessagePosted. */
  post(message: string): void {
    const sender = this.ctx.sender;
    require_(sender !== undefined, 'NO_SENDER', 'a message needs a sender');
    require_(message.trim().length > 0, 'EMPTY_MESSAGE', 'message: must not be empty or only blanks');
    const length = [...message].length;
    require_(
      length <= MAX_MESSAGE_LENGTH,
      'MESSAGE_TOO_LONG',
      `message: ${length} characters, at most ${MAX_MESSAGE_LENGTH} allowed`,
    );
    const index = this.history.length;
    const { height, timestamp } = this.ctx;
    this.history.push({
      sender,
      message,
      height: hex(height),
      timestamp: hex(timestamp),
    } satisfies StoredMessage);
    emit('MessagePosted', [sender], [hex(BigInt(index)), message]);
  }

  /** Messages [offset, offset + min(limit, 100)) in posting order, and how many there are in all. */
  getMessages(offset: bigint, limit: bigint): { total: bigint; items: ChatMessage[] } {
    require_(offset >= 0n, 'INVALID_PARAMS', 'offset: must be >= 0');
    require_(limit >= 1n, 'INVALID_PARAMS', 'limit: must be >= 1');
    const total = this.history.length;
    const start = offset > BigInt(total) ? total : Number(offset);
    const end = Math.min(
      total,
      start + Number(limit > BigInt(MAX_PAGE_SIZE) ? BigInt(MAX_PAGE_SIZE) : limit),
    );
    const items: ChatMessage[] = [];
    for (let i = start; i < end; i++) {
      const m = this.history.get(i) as StoredMessage | undefined;
      if (m === undefined) continue;
      items.push({
        index: BigInt(i),
        sender: m.sender,
        message: m.message,
        height: BigInt(m.height),
        timestamp: BigInt(m.timestamp),
      });
    }
    return { total: BigInt(total), items };
  }
}

export { ChatScore };

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}
