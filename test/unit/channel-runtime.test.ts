/**
 * The channel runtime on a real genesis with in-memory storage and a silent transport: it opens from storage,
 * and a block asked for by consensus and by sync at the same moment is executed once — two state overlays
 * of one block would leave its children unable to commit (found by the devnet benchmark under a burst).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex } from '../../src/codec/hex.js';
import { buildBlock, type ExecutedBlock } from '../../src/channel/block-exec.js';
import { ChannelRuntime } from '../../src/channel/runtime.js';
import { genesisCommit } from '../../src/genesis/build.js';
import type { Block } from '../../src/ledger/block.js';
import type { PeerTransport } from '../../src/network/transport.js';
import { ChannelStorage } from '../../src/storage/channel-storage.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import {
  CHANNEL,
  CHAT,
  FIRM_A,
  GENESIS_TIME_US,
  VALIDATORS,
  channelFixture,
  proposerEnv,
  tx,
  type ChannelFixture,
} from '../helpers/channel-fixture.js';
import { seededRandom } from '../helpers/pki-fixture.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

const transport: PeerTransport = {
  attach() {},
  broadcast() {},
  send() {},
  fetchBlocks: async function* () {},
  peerHeight: async () => 0,
  penalize() {},
  connectedPeers: () => 0,
  close: async () => {},
};

type Internals = {
  executeOnce(block: Block, hash: Uint8Array, maxTimestamp: bigint): Promise<ExecutedBlock>;
};

describe('ChannelRuntime', () => {
  let f: ChannelFixture;
  let rt: ChannelRuntime;

  before(async () => {
    f = await channelFixture();
    const storage = new ChannelStorage(new MemoryStore(), CHANNEL);
    await storage.commitBlock(genesisCommit(f.genesis));
    rt = await ChannelRuntime.open({
      storage,
      self: { id: bytesToHex(VALIDATORS[1]!.id), privateKey: VALIDATORS[1]!.key },
      transport,
      clock: { nowUs: () => GENESIS_TIME_US + 60_000_000n },
      random: seededRandom(7),
      logger: silent,
    });
  });

  test('opens at the stored genesis with the chain config of its state', () => {
    assert.equal(rt.height, 0);
    assert.equal(rt.config.channel, CHANNEL);
    assert.equal(rt.config.validators.length, 4);
    assert.equal(rt.config.scores.chat, CHAT);
  });

  test('a block asked for twice at once is executed once, with one state overlay', async () => {
    const ts = GENESIS_TIME_US + 1_000_000n;
    const proposed = buildBlock(proposerEnv(f.config, f.validatorCas[0]!, 11), f.parent, {
      round: 1,
      qc: f.genesisQc,
      tc: undefined,
      transactions: [tx(FIRM_A, CHAT, 'post', { message: 'once' }, ts)],
      timestamp: ts,
      proposerKey: VALIDATORS[0]!.key,
      proposer: VALIDATORS[0]!.id,
      validatorsHash: f.validatorsHash,
      nextValidatorsHash: f.validatorsHash,
    });
    const internals = rt as unknown as Internals;
    const far = BigInt(Number.MAX_SAFE_INTEGER);
    const [a, b] = await Promise.all([
      internals.executeOnce(proposed.block, proposed.hash, far),
      internals.executeOnce(proposed.block, proposed.hash, far),
    ]);
    assert.equal(a, b, 'both callers get the same execution');
    assert.deepEqual(a.result.roots, proposed.result.roots);
    const again = await internals.executeOnce(proposed.block, proposed.hash, far);
    assert.equal(again, a, 'a later caller gets it too');
    assert.ok(rt.isPending(proposed.transactions[0]!.hash), 'its transaction counts as pending');
  });
});
