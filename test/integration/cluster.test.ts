/**
 * Four `loopchain node` processes on loopback (issue 6 "Done when"): transactions sent with icon-sdk-js commit
 * on every node; a certificate issued through the certificate SCORE on `kofia` and a chat message are visible
 * on every node; kill -9 of the current leader and later of another validator — the others keep committing,
 * the killed nodes restart and catch up; a one-node partition through fault-injecting proxies — the majority
 * goes on, no fork, the isolated node catches up after healing; malformed JSON-RPC and gRPC input is answered
 * with errors while the node keeps running.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Cluster, N } from '../helpers/cluster.js';
import { IconConverter, IconBuilder, SignedTransaction, type SdkWallet } from '../helpers/icon-sdk.js';
import { makeCsr } from '../helpers/pki-fixture.js';
import { PROJECT_ROOT } from '../../src/score/bundle.js';

const CHAT = 'cx0000000000000000000000000000000000000003';
const CA = 'cx0000000000000000000000000000000000000002';
const GOVERNANCE = 'cx0000000000000000000000000000000000000001';
let nonce = 0;

function callTx(wallet: SdkWallet, to: string, nid: number, method: string, params: object): unknown {
  const b = new IconBuilder.CallTransactionBuilder();
  const tx = (
    [
      ['from', wallet.getAddress()],
      ['to', to],
      ['stepLimit', IconConverter.toBigNumber(1_000_000)],
      ['nid', IconConverter.toBigNumber(nid)],
      ['nonce', IconConverter.toBigNumber(++nonce)],
      ['version', IconConverter.toBigNumber(3)],
      ['timestamp', Date.now() * 1000],
      ['method', method],
      ['params', params],
    ] as const
  ).reduce<Record<string, (...a: unknown[]) => unknown>>(
    (acc, [k, v]) => acc[k]!(v) as Record<string, (...a: unknown[]) => unknown>,
    b,
  );
  return new SignedTransaction((tx.build as () => object)(), wallet);
}

interface TxResult {
  status: number;
  blockHeight: number;
  eventLogs: { indexed: string[] }[];
  failure?: unknown;
}

describe('a 4-validator cluster of node processes', { timeout: 600_000 }, () => {
  let cluster: Cluster;
  let firmA: SdkWallet;
  let failed = false;

  before(async () => {
    cluster = await Cluster.create();
    try {
      for (let i = 0; i < N; i++) cluster.start(i);
      for (let i = 0; i < N; i++) await cluster.ready(i);
    } catch (e) {
      failed = true;
      throw e;
    }
    firmA = cluster.wallet('firm-a');
  });

  after(async () => {
    await cluster?.stop(failed);
    if (failed) console.log(`cluster files kept in ${cluster.dir}`);
  });

  async function send(
    node: number,
    channel: 'chat' | 'kofia',
    method: string,
    params: object,
    o: { to?: string; wallet?: SdkWallet } = {},
  ): Promise<string> {
    const [to, nid] = channel === 'chat' ? [CHAT, 4] : [CA, 3];
    const signed = callTx(o.wallet ?? firmA, o.to ?? to, nid, method, params);
    return (await cluster.service(node, channel).sendTransaction!(signed).execute()) as string;
  }

  async function result(node: number, channel: string, hash: string, timeoutMs = 30_000): Promise<TxResult> {
    let out: TxResult | undefined;
    await cluster.until(
      `result of ${hash} on node${node}`,
      async () => {
        try {
          out = (await cluster.service(node, channel).getTransactionResult!(hash).execute()) as TxResult;
          return true;
        } catch {
          return false;
        }
      },
      timeoutMs,
    );
    return out!;
  }

  async function chatTotal(node: number): Promise<number> {
    const r = await cluster.rpc(node, 'chat', 'icx_call', {
      to: CHAT,
      dataType: 'call',
      data: { method: 'getMessages', params: { offset: '0x0', limit: '0x1' } },
    });
    return r.result === undefined ? -1 : Number((r.result as { total: string }).total);
  }

  /** Posts a chat message through `via` and waits until every node in `nodes` has it. */
  async function chatCommits(via: number, nodes: readonly number[], text: string): Promise<void> {
    const before = await chatTotal(via);
    const hash = await send(via, 'chat', 'post', { message: text });
    const r = await result(via, 'chat', hash, 60_000);
    assert.equal(r.status, 1, JSON.stringify(r));
    for (const n of nodes) {
      await cluster.until(`node${n} to see "${text}"`, async () => (await chatTotal(n)) > before, 60_000);
    }
  }

  async function sameBlock(nodes: readonly number[], height: number): Promise<void> {
    const hashes = new Set<string>();
    for (const n of nodes) {
      const r = await cluster.rpc(n, 'chat', 'icx_getBlockByHeight', { height: `0x${height.toString(16)}` });
      hashes.add((r.result as { block_hash: string }).block_hash);
    }
    assert.equal(hashes.size, 1, `nodes disagree on block ${height}: ${[...hashes].join(', ')}`);
  }

  test('a chat message sent with icon-sdk-js commits and is visible on every node', async () => {
    try {
      await chatCommits(1, [0, 1, 2, 3], 'hello from firm A');
    } catch (e) {
      failed = true;
      throw e;
    }
  });

  test('a certificate issued through the certificate SCORE is visible on every node', async () => {
    try {
      const csr = makeCsr(generateKeyPairSync('ec', { namedCurve: 'P-256' }), { subject: '' });
      const hash = await send(2, 'kofia', 'issue', {
        csr,
        subjectId: 'cust-7f3a9c0b12de4455',
        validityDays: '0x16d',
      });
      const r = await result(2, 'kofia', hash, 60_000);
      assert.equal(r.status, 1, JSON.stringify(r));
      const serial = r.eventLogs[0]!.indexed[1]!;
      assert.match(serial, /^0x[0-9a-f]+$/);
      const pems = new Set<string>();
      for (let n = 0; n < N; n++) {
        await cluster.until(`node${n} to know ${serial}`, async () => {
          const c = await cluster.rpc(n, 'kofia', 'icx_call', {
            to: CA,
            dataType: 'call',
            data: { method: 'getCertificate', params: { serial } },
          });
          if (c.result === undefined) return false;
          const cert = c.result as { status: string; certificate: string; chain: string };
          assert.equal(cert.status, 'good');
          assert.match(cert.certificate, /^-----BEGIN CERTIFICATE-----/);
          pems.add(cert.certificate + cert.chain);
          return true;
        });
      }
      assert.equal(pems.size, 1, 'every node serves the same certificate and chain');
    } catch (e) {
      failed = true;
      throw e;
    }
  });

  test('malformed JSON-RPC and gRPC input is refused and the node keeps committing', async () => {
    try {
      const res = await fetch(cluster.url(0, 'chat'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"jsonrpc":"2.0","id":1,"method":',
      });
      const body = (await res.json()) as { error: { code: number } };
      assert.equal(body.error.code, -32700);
      const bad = await cluster.rpc(0, 'chat', 'icx_getBlockByHeight', { height: 'twelve' });
      assert.equal(bad.error?.code, -32602);

      // A peer with a valid certificate (node 1's) sends bytes that are not an envelope.
      const nodeDir = join(PROJECT_ROOT, cluster.layout.nodes[1]!.config, '..');
      const client = new grpc.Client(
        `127.0.0.1:${cluster.layout.nodes[0]!.grpcPort}`,
        grpc.credentials.createSsl(
          readFileSync(join(nodeDir, '..', 'pki', 'root.pem')),
          readFileSync(join(nodeDir, 'tls.key')),
          readFileSync(join(nodeDir, 'tls.pem')),
          { checkServerIdentity: () => undefined },
        ),
      );
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          '/loopchain.v1.PeerService/Deliver',
          (b: Uint8Array) => Buffer.from(b),
          (b: Buffer) => b,
          new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]),
          new grpc.Metadata(),
          { deadline: Date.now() + 5000 },
          (e) => resolve(e),
        ),
      );
      client.close();
      assert.equal(err?.code, grpc.status.INVALID_ARGUMENT, String(err));
      await chatCommits(0, [0, 1, 2, 3], 'still alive after bad input');
    } catch (e) {
      failed = true;
      throw e;
    }
  });

  test('kill -9 of the leader, later of another validator: the rest commit, the killed catch up', async () => {
    try {
      // The leader of the current round on `chat`, from node 0's metrics.
      const metrics = await (
        await fetch(`http://127.0.0.1:${cluster.layout.nodes[0]!.jsonrpcPort}/metrics`)
      ).text();
      const round = Number(/loopchain_consensus_round\{channel="chat"\} (\d+)/.exec(metrics)?.[1] ?? '0');
      const leader = round % N;
      await cluster.kill(leader);
      const others = [0, 1, 2, 3].filter((n) => n !== leader);
      await chatCommits(others[0]!, others, 'leader is gone');
      cluster.start(leader);
      await cluster.ready(leader);
      const target = await cluster.height(others[0]!, 'chat');
      await cluster.until(
        `node${leader} to catch up`,
        async () => (await cluster.height(leader, 'chat')) >= target,
      );

      const second = (leader + 2) % N;
      await chatCommits(second, [0, 1, 2, 3], 'before the second kill');
      await cluster.kill(second);
      const rest = [0, 1, 2, 3].filter((n) => n !== second);
      await chatCommits(rest[1]!, rest, 'second validator is gone');
      cluster.start(second);
      await cluster.ready(second);
      await chatCommits(rest[0]!, [0, 1, 2, 3], 'everyone is back');
      await sameBlock([0, 1, 2, 3], await cluster.height(second, 'chat'));
    } catch (e) {
      failed = true;
      throw e;
    }
  });

  test('a one-node partition: the majority goes on, no fork, the isolated node catches up', async () => {
    try {
      const isolated = 3;
      const majority = [0, 1, 2];
      const stuckAt = await cluster.height(isolated, 'chat');
      cluster.isolate(isolated);
      await chatCommits(0, majority, 'partitioned 1');
      await chatCommits(1, majority, 'partitioned 2');
      const majorityHeight = await cluster.height(0, 'chat');
      assert.ok(majorityHeight > stuckAt, 'the majority committed during the partition');
      assert.ok((await cluster.height(isolated, 'chat')) < majorityHeight, 'the isolated node could not');
      cluster.isolate(isolated, false);
      await cluster.until(
        'the isolated node to catch up',
        async () => (await cluster.height(isolated, 'chat')) >= majorityHeight,
        90_000,
      );
      for (let h = 1; h <= majorityHeight; h++) await sameBlock([0, 1, 2, 3], h);
      await chatCommits(isolated, [0, 1, 2, 3], 'healed');
    } catch (e) {
      failed = true;
      throw e;
    }
  });

  test('governance changes the validator set: two validators then commit without the other two', async () => {
    try {
      const height = await cluster.height(0, 'chat');
      const fromHeight = height + 6;
      const [v0, v1] = cluster.layout.nodes.map((n) => n.address);
      const hash = await send(
        0,
        'chat',
        'propose',
        {
          kind: 'changeValidators',
          payload: { validators: [v0, v1], fromHeight: `0x${fromHeight.toString(16)}` },
        },
        { to: GOVERNANCE, wallet: cluster.wallet('kofia-admin') },
      );
      const r = await result(0, 'chat', hash, 60_000);
      assert.equal(r.status, 1, JSON.stringify(r));
      // Walk the chain past the change with the old set.
      for (let i = 0; (await cluster.height(0, 'chat')) <= fromHeight; i++) {
        assert.ok(i < 20, 'the chain did not reach the change height');
        await chatCommits(i % N, [0, 1, 2, 3], `towards the new set ${i}`);
      }
      // Under the old set (4 validators, quorum 3) losing two would stop the chain; under the new one it goes on.
      await cluster.kill(2);
      await cluster.kill(3);
      await chatCommits(1, [0, 1], 'two validators carry on');
      cluster.start(2);
      cluster.start(3);
      await cluster.ready(2);
      await cluster.ready(3);
      const target = await cluster.height(0, 'chat');
      for (const n of [2, 3]) {
        await cluster.until(
          `follower node${n} to catch up`,
          async () => (await cluster.height(n, 'chat')) >= target,
        );
      }
      await sameBlock([0, 1, 2, 3], target);
    } catch (e) {
      failed = true;
      throw e;
    }
  });
});
