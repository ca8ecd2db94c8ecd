/**
 * Bundling contracts: one IIFE script per contract, the same bytes for the same sources wherever and however
 * it is built, and the build script around it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha3_256 } from '../../src/codec/hash.js';
import { bundleContract, deployData, PROJECT_ROOT } from '../../src/score/bundle.js';
import { SCORE_GLOBAL } from '../../src/score/prelude.js';
import { buildContracts } from '../../scripts/build-contracts.js';

const tmp = mkdtempSync(join(tmpdir(), 'lc-bundle-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const FIXTURES = join(PROJECT_ROOT, 'test/fixtures/contracts');

test('a bundle is one IIFE assigning the SCORE global, hashed with SHA3-256, free of absolute paths', async () => {
  const b = await bundleContract(join(FIXTURES, 'counter/index.ts'));
  assert.ok(b.code.startsWith(`"use strict";\nvar ${SCORE_GLOBAL} = (() => {`));
  assert.equal(b.codeHash, `0x${Buffer.from(sha3_256(b.bytes)).toString('hex')}`);
  assert.ok(!b.code.includes(PROJECT_ROOT), 'no absolute path');
  assert.ok(!b.code.includes(tmpdir()));
  assert.match(b.code, /\/\/ test\/fixtures\/contracts\/counter\/index\.ts/);
  assert.equal(deployData(b).content, `0x${Buffer.from(b.code).toString('hex')}`);
});

test('the same sources give the same bytes: twice in one process, and from another working directory', async () => {
  const [a, b] = await Promise.all([
    bundleContract(join(FIXTURES, 'probe/index.ts')),
    bundleContract(join(FIXTURES, 'probe/index.ts')),
  ]);
  assert.deepEqual(a.bytes, b.bytes);
  const out = join(tmp, 'elsewhere');
  const res = spawnSync(
    process.execPath,
    [
      '--import',
      import.meta.resolve('tsx'),
      join(PROJECT_ROOT, 'scripts/build-contracts.ts'),
      '--src',
      FIXTURES,
      '--out',
      out,
      'probe',
    ],
    { cwd: tmpdir(), encoding: 'utf8' },
  );
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, new RegExp(`^probe\\t${a.codeHash}\\t${a.bytes.length} bytes\\t`));
  assert.deepEqual(new Uint8Array(readFileSync(join(out, 'probe.js'))), a.bytes);
});

test('the build script bundles every contract it is given and reports the ones that fail', async () => {
  const out = join(tmp, 'built');
  const built = await buildContracts({
    sourceDir: FIXTURES,
    outDir: out,
    names: ['counter', 'async', 'node-import'],
  });
  assert.deepEqual(
    built.map((c) => [c.name, c.error === undefined]),
    [
      ['counter', true],
      ['async', false],
      ['node-import', false],
    ],
  );
  assert.deepEqual(new Uint8Array(readFileSync(join(out, 'counter.js'))), built[0]!.bundle!.bytes);
  assert.match(built[1]!.error!, /async function/);
  assert.match(built[2]!.error!, /Node builtin 'node:fs'/);
  const all = await buildContracts({ sourceDir: FIXTURES });
  assert.ok(all.length >= 9, 'every fixture folder with an index.ts');
  assert.deepEqual(await buildContracts({ sourceDir: join(tmp, 'missing') }), []);
});
