/**
 * `loopchain genesis` as an operator runs it: a child process (`node --import tsx src/cli/main.ts`). A good
 * config writes genesis.block and genesis.json and prints the summary; two runs on two "machines" (output
 * directories) give the same bytes; a bad config exits 2 listing its mistakes and leaves no output; an
 * existing genesis is never overwritten. The sample config of docs/examples builds once given a root.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bytesToHex } from '../../src/codec/hex.js';
import { blockHash, decodeBlock } from '../../src/ledger/block.js';
import { PROJECT_ROOT } from '../../src/score/bundle.js';
import {
  GOVERNANCE,
  makeTestPki,
  opensslFingerprint,
  validRawConfig,
  type TestPki,
} from '../helpers/genesis-fixture.js';

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function loopchain(...args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: PROJECT_ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

let pki: TestPki;
let work: string;

function writeConfig(name: string, raw: unknown): string {
  const path = join(pki.dir, name);
  writeFileSync(path, typeof raw === 'string' ? raw : JSON.stringify(raw, null, 2));
  return path;
}

before(() => {
  pki = makeTestPki();
  work = mkdtempSync(join(tmpdir(), 'lc-genesis-cli-'));
});

after(() => {
  rmSync(pki.dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('loopchain genesis', () => {
  test('writes genesis.block and genesis.json, prints the summary; a second machine gets the same bytes', async () => {
    const config = writeConfig('genesis.json', validRawConfig(pki));
    const [a, b] = await Promise.all(
      ['machine-a', 'machine-b'].map((m) => loopchain('genesis', '--config', config, '--out', join(work, m))),
    );
    for (const r of [a!, b!]) assert.equal(r.code, 0, r.stderr);
    const dir = join(work, 'machine-a', 'kofia');
    assert.deepEqual(readdirSync(join(work, 'machine-a')), ['kofia']); // no temporary directory left
    assert.deepEqual(readdirSync(dir).sort(), ['genesis.block', 'genesis.json']);
    const bytes = readFileSync(join(dir, 'genesis.block'));
    assert.deepEqual(bytes, readFileSync(join(work, 'machine-b', 'kofia', 'genesis.block')));

    const block = decodeBlock(new Uint8Array(bytes));
    const hash = `0x${bytesToHex(blockHash(block.header!))}`;
    const summary = JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8'));
    assert.equal(summary.channel, 'kofia');
    assert.equal(summary.nid, '0x3');
    assert.equal(summary.blockHash, hash);
    assert.equal(summary.stateRoot, `0x${bytesToHex(block.header!.stateRoot)}`);
    assert.equal(summary.scores.governance, GOVERNANCE);
    assert.equal(summary.validators.length, 4);
    assert.equal(summary.rootCertificate.fingerprintSha256, opensslFingerprint(pki.dir, 'root.pem'));
    assert.match(a!.stdout, new RegExp(`block hash +${hash}`));
    assert.match(a!.stdout, /governance +cx0{38}01/);
  });

  test('never overwrites an existing genesis', async () => {
    const config = writeConfig('genesis.json', validRawConfig(pki));
    const out = join(work, 'existing');
    assert.equal((await loopchain('genesis', '--config', config, '--out', out)).code, 0);
    const before = readFileSync(join(out, 'kofia', 'genesis.block'));
    const again = await loopchain('genesis', '--config', config, '--out', out);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /kofia already exists; a genesis is never overwritten/);
    assert.deepEqual(readFileSync(join(out, 'kofia', 'genesis.block')), before);
  });

  test('a bad config exits 2, lists every mistake, and writes nothing', async () => {
    const raw = validRawConfig(pki);
    raw.channel = 'Kofia';
    raw.threshold = 7;
    raw.rootCertificate = { file: 'not-ca.pem' };
    delete raw.consensus;
    const config = writeConfig('bad.json', raw);
    const out = join(work, 'bad');
    const r = await loopchain('genesis', '--config', config, '--out', out);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /bad\.json: 4 mistake\(s\) in the config:$/);
    assert.deepEqual(lines.slice(1), [
      '  channel: must be a channel name (a lowercase letter, then up to 31 lowercase letters, digits or "-")',
      '  rootCertificate: not a CA certificate (basicConstraints cA is not set)',
      '  threshold: must be between 1 and the number of admins (3), is 7',
      '  consensus: required',
    ]);
    assert.equal(existsSync(out), false);
  });

  test('a file that is not JSON, or is missing, exits 2', async () => {
    const notJson = await loopchain(
      'genesis',
      '--config',
      writeConfig('broken.json', '{"channel": '),
      '--out',
      work,
    );
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /broken\.json: not JSON: /);
    const missing = await loopchain('genesis', '--config', join(work, 'nope.json'), '--out', join(work, 'o'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: cannot read: no such file/);
    assert.equal(existsSync(join(work, 'o')), false);
  });

  test('usage: --help, missing options, unknown options', async () => {
    const help = await loopchain('genesis', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: loopchain genesis --config <file\.json> --out <dir>/);
    const missing = await loopchain('genesis', '--config', 'x.json');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing --out/);
    const unknown = await loopchain('genesis', '--conf', 'x.json');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--conf'/);
  });

  test('the top-level help lists the built commands; planned ones stay honest placeholders', async () => {
    const help = await loopchain('--help');
    assert.equal(help.code, 0);
    for (const c of ['genesis', 'pki', 'node', 'devnet', 'keygen'])
      assert.match(help.stdout, new RegExp(`\\n {2}${c} `));
    assert.match(help.stdout, /planned \(not built yet\):\n(.*\n)* {2}audit /);
    const audit = await loopchain('audit');
    assert.equal(audit.code, 1);
    assert.match(audit.stderr, /loopchain audit: offline chain audit is not built yet/);
    const node = await loopchain('node');
    assert.equal(node.code, 2);
    assert.match(node.stderr, /--config is required/);
  });

  test('the sample config docs/examples/genesis-kofia.json builds once its root certificate exists', async () => {
    const sample = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs/examples/genesis-kofia.json'), 'utf8'));
    // The sample names root.pem next to it, made at the key ceremony; the genesis time must fall inside
    // the validity of the test root made just now.
    sample.timestamp = pki.timestamp;
    const r = await loopchain(
      'genesis',
      '--config',
      writeConfig('kofia.json', sample),
      '--out',
      join(work, 'sample'),
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(readFileSync(join(work, 'sample', 'kofia', 'genesis.json'), 'utf8'));
    assert.deepEqual(Object.keys(summary.scores), ['governance']);
    assert.equal(summary.threshold, 2);
  });
});
