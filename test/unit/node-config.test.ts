/**
 * The node config (src/node/config.ts): the devnet's generated configs load, with every path resolved against
 * the config file's directory; a hand-written config checks the same way; each mistake is refused with a
 * problem naming its JSON path; loadNodeConfig refuses a missing file, non-JSON and a file over 1 MiB; and
 * `loopchain node --config <bad file>` exits 2 with the problem on stderr, starting nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { checkNodeConfig, loadNodeConfig, NodeConfigError } from '../../src/node/config.js';
import { createDevnet, DEVNET_VALIDATORS, type DevnetLayout } from '../../src/node/devnet-setup.js';
import { PROJECT_ROOT } from '../../src/score/bundle.js';

const run = promisify(execFile);
const PEER = `hx${'ab'.repeat(20)}`;
const BASE = '/srv/loopchain/node0';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, edited freely per case
type Raw = Record<string, any>;

function validRaw(): Raw {
  return {
    id: 'node0',
    dataDir: 'data',
    keystore: { path: 'validator.keystore.json', passwordFile: 'validator.password' },
    jsonrpc: { host: '127.0.0.1', port: 9000 },
    grpc: { host: '127.0.0.1', port: 7100 },
    tls: { rootCert: '../pki/root.pem', cert: 'tls.pem', key: '/etc/loopchain/tls.key' },
    validatorCa: { cert: 'validator-ca.pem', key: 'validator-ca.key', passwordFile: 'validator-ca.password' },
    peers: [{ address: PEER, grpc: '127.0.0.1:7101' }],
    channels: [{ genesis: '../genesis/kofia.json' }],
    logLevel: 'debug',
  };
}

function mutated(edit: (c: Raw) => void): Raw {
  const c = structuredClone(validRaw());
  edit(c);
  return c;
}

function problemsOf(raw: unknown): readonly string[] {
  try {
    checkNodeConfig(raw, BASE);
  } catch (e) {
    assert.ok(e instanceof NodeConfigError, String(e));
    assert.equal(e.code, 'INVALID_NODE_CONFIG');
    assert.ok(e.message.startsWith('invalid node config:\n  '), e.message);
    for (const p of e.problems) assert.ok(e.message.includes(p));
    return e.problems;
  }
  assert.fail('the config was accepted');
}

/** Exactly the problems matching `patterns`, one each (and nothing else). */
function refused(raw: unknown, ...patterns: RegExp[]): void {
  const problems = problemsOf(raw);
  assert.equal(problems.length, patterns.length, problems.join('\n'));
  for (const p of patterns) {
    assert.ok(
      problems.some((x) => p.test(x)),
      `${String(p)} not in:\n${problems.join('\n')}`,
    );
  }
}

let work: string;
let layout: DevnetLayout;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lc-node-config-'));
  layout = await createDevnet(join(work, 'devnet'), work, new Date('2025-03-01T00:00:00Z'));
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('a valid node config', () => {
  test("the devnet's configs load; every path is absolute, under the config's directory, and exists", () => {
    assert.equal(layout.nodes.length, DEVNET_VALIDATORS);
    for (const [i, node] of layout.nodes.entries()) {
      const file = join(work, node.config);
      const dir = dirname(file);
      const c = loadNodeConfig(file);
      assert.equal(c.id, `node${i}`);
      assert.deepEqual(c.jsonrpc, { host: '127.0.0.1', port: node.jsonrpcPort });
      assert.deepEqual(c.grpc, { host: '127.0.0.1', port: node.grpcPort });
      assert.equal(c.dataDir, join(dir, 'data'));
      assert.equal(c.keystore.path, join(dir, 'validator.keystore.json'));
      assert.equal(c.tls.rootCert, join(work, 'devnet', 'pki', 'root.pem'));
      assert.deepEqual(
        c.channels.map((ch) => ch.genesis),
        ['kofia', 'chat'].map((n) => join(work, 'devnet', 'genesis', `${n}.json`)),
      );
      assert.equal(c.peers.length, DEVNET_VALIDATORS - 1);
      assert.ok(!c.peers.some((p) => p.address === node.address));
      assert.equal(c.logLevel, 'info');
      const files = [
        c.keystore.path,
        c.keystore.passwordFile,
        c.tls.rootCert,
        c.tls.cert,
        c.tls.key,
        c.validatorCa!.cert,
        c.validatorCa!.key,
        c.validatorCa!.passwordFile,
        ...c.channels.map((ch) => ch.genesis),
      ];
      for (const f of files) assert.ok(isAbsolute(f) && existsSync(f), f);
    }
  });

  test('a hand-written config: relative paths resolve against the base, absolute ones stay', () => {
    const c = checkNodeConfig(validRaw(), BASE);
    assert.equal(c.dataDir, '/srv/loopchain/node0/data');
    assert.deepEqual(c.keystore, {
      path: '/srv/loopchain/node0/validator.keystore.json',
      passwordFile: '/srv/loopchain/node0/validator.password',
    });
    assert.deepEqual(c.tls, {
      rootCert: '/srv/loopchain/pki/root.pem',
      cert: '/srv/loopchain/node0/tls.pem',
      key: '/etc/loopchain/tls.key',
    });
    assert.deepEqual(c.validatorCa, {
      cert: '/srv/loopchain/node0/validator-ca.pem',
      key: '/srv/loopchain/node0/validator-ca.key',
      passwordFile: '/srv/loopchain/node0/validator-ca.password',
    });
    assert.deepEqual(c.channels, [{ genesis: '/srv/loopchain/genesis/kofia.json' }]);
    assert.deepEqual(c.peers, [{ address: PEER, grpc: '127.0.0.1:7101' }]);
    assert.equal(c.logLevel, 'debug');
  });

  test('optional parts: no validatorCa (a node that issues nothing), no peers, logLevel defaults to info', () => {
    const c = checkNodeConfig(
      mutated((r) => {
        delete r.validatorCa;
        delete r.logLevel;
        r.peers = [];
      }),
      BASE,
    );
    assert.equal(c.validatorCa, undefined);
    assert.ok(!('validatorCa' in c));
    assert.deepEqual(c.peers, []);
    assert.equal(c.logLevel, 'info');
  });
});

describe('checkNodeConfig refuses, naming the JSON path', () => {
  test('not an object', () => {
    for (const raw of [null, [], 'node.json', 42]) refused(raw, /^config: must be object$/);
  });

  test('a missing id, a bad id', () => {
    refused(
      mutated((r) => delete r.id),
      /^config\.id: required$/,
    );
    refused(
      mutated((r) => (r.id = 'node 0/../x')),
      /^config\.id: must match pattern/,
    );
  });

  test('a bad port: out of range, negative, not an integer', () => {
    refused(
      mutated((r) => (r.jsonrpc.port = 65536)),
      /^config\.jsonrpc\.port: must be <= 65535$/,
    );
    refused(
      mutated((r) => (r.grpc.port = -1)),
      /^config\.grpc\.port: must be >= 0$/,
    );
    refused(
      mutated((r) => (r.grpc.port = '7100')),
      /^config\.grpc\.port: must be integer$/,
    );
    refused(
      mutated((r) => (r.jsonrpc.port = 90.5)),
      /^config\.jsonrpc\.port: must be integer$/,
    );
  });

  test('an extra property, at the top or inside an object', () => {
    refused(
      mutated((r) => (r.extra = true)),
      /^config\.extra: unknown field$/,
    );
    refused(
      mutated((r) => (r.tls.ca = 'ca.pem')),
      /^config\.tls\.ca: unknown field$/,
    );
  });

  test('a bad peer: address not hx + 40 lowercase hex, grpc not host:port', () => {
    refused(
      mutated((r) => (r.peers[0].address = PEER.toUpperCase())),
      /^config\.peers\[0\]\.address: must match pattern/,
    );
    refused(
      mutated((r) => (r.peers[0].address = `hx${'ab'.repeat(19)}`)),
      /^config\.peers\[0\]\.address: must match pattern/,
    );
    refused(
      mutated((r) => r.peers.push({ address: PEER, grpc: '127.0.0.1' })),
      /^config\.peers\[1\]\.grpc: must match pattern/,
    );
    refused(
      mutated((r) => r.peers.push({ grpc: '127.0.0.1:7102' })),
      /^config\.peers\[1\]\.address: required$/,
    );
  });

  test('no channels, or a channel without its genesis', () => {
    refused(
      mutated((r) => (r.channels = [])),
      /^config\.channels: must NOT have fewer than 1 items$/,
    );
    refused(
      mutated((r) => (r.channels = [{}])),
      /^config\.channels\[0\]\.genesis: required$/,
    );
    refused(
      mutated((r) => (r.channels = [{ genesis: '' }])),
      /^config\.channels\[0\]\.genesis: must NOT have fewer than 1 characters$/,
    );
  });

  test('a logLevel that is not a pino level', () => {
    refused(
      mutated((r) => (r.logLevel = 'verbose')),
      /^config\.logLevel: must be one of fatal, error, warn, info, debug, trace, silent$/,
    );
  });

  test('every mistake at once, each with its own path', () => {
    const problems = problemsOf(
      mutated((r) => {
        delete r.id;
        r.jsonrpc.port = 70000;
        r.logLevel = 'loud';
        r.channels = [];
      }),
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    for (const p of [/\bid\b/, /^config\.jsonrpc\.port: /, /^config\.logLevel: /, /^config\.channels: /])
      assert.ok(
        problems.some((x) => p.test(x)),
        String(p),
      );
  });
});

describe('loadNodeConfig refuses a file it cannot use', () => {
  const problemOf = (path: string): string => {
    try {
      loadNodeConfig(path);
    } catch (e) {
      assert.ok(e instanceof NodeConfigError, String(e));
      assert.equal(e.problems.length, 1);
      return e.problems[0]!;
    }
    assert.fail('the file was accepted');
  };

  test('a missing file', () => {
    const path = join(work, 'missing.json');
    const p = problemOf(path);
    assert.ok(p.startsWith(`${path}: cannot read: `), p);
    assert.match(p, /ENOENT/);
  });

  test('a file that is not JSON', () => {
    const path = join(work, 'not-json.json');
    writeFileSync(path, '{ "id": "node0", ');
    const p = problemOf(path);
    assert.ok(p.startsWith(`${path}: cannot read: `), p);
    assert.match(p, /JSON/);
  });

  test('a file of more than 1 MiB, even of valid JSON', () => {
    const path = join(work, 'huge.json');
    writeFileSync(path, JSON.stringify({ ...validRaw(), pad: 'x'.repeat(1024 * 1024) }));
    assert.equal(problemOf(path), `${path}: cannot read: more than 1 MiB`);
    // Exactly 1 MiB is read (and checked).
    const edge = join(work, 'edge.json');
    const text = JSON.stringify(validRaw());
    writeFileSync(edge, text + ' '.repeat(1024 * 1024 - Buffer.byteLength(text)));
    assert.equal(loadNodeConfig(edge).id, 'node0');
  });

  test('a valid file with a mistake: the path inside the file is named', () => {
    const path = join(work, 'bad-port.json');
    writeFileSync(path, JSON.stringify(mutated((r) => (r.grpc.port = 123456))));
    assert.equal(problemOf(path), 'config.grpc.port: must be <= 65535');
  });
});

describe('loopchain node --config <bad file>', () => {
  async function loopchainNode(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'node', ...args],
        { cwd: PROJECT_ROOT, timeout: 60_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      if (typeof err.code !== 'number') throw e;
      return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  }

  test('a config with mistakes: exit 2, every problem on stderr, nothing on stdout', async () => {
    const path = join(work, 'cli-bad.json');
    writeFileSync(
      path,
      JSON.stringify(
        mutated((r) => {
          r.jsonrpc.port = 99999;
          r.logLevel = 'chatty';
        }),
      ),
    );
    const out = await loopchainNode('--config', path);
    assert.equal(out.code, 2, out.stderr);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /^loopchain node: invalid node config:\n/);
    assert.ok(out.stderr.includes('config.jsonrpc.port: must be <= 65535'), out.stderr);
    assert.ok(out.stderr.includes('config.logLevel: '), out.stderr);
  });

  test('a missing config file: exit 2, the path on stderr', async () => {
    const path = join(work, 'nowhere', 'node.json');
    const out = await loopchainNode('--config', path);
    assert.equal(out.code, 2, out.stderr);
    assert.ok(out.stderr.includes(`${path}: cannot read: `), out.stderr);
  });

  test('no --config at all: exit 2 with the usage', async () => {
    const out = await loopchainNode();
    assert.equal(out.code, 2, out.stderr);
    assert.ok(out.stderr.includes('--config is required'), out.stderr);
    assert.ok(out.stderr.includes('usage: loopchain node --config <node.json>'), out.stderr);
  });
});
