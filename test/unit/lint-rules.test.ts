/**
 * The determinism rules of eslint.config.js (STYLE 1): the core folders may not read the clock, draw
 * randomness, start timers or import I/O and wiring layers; the same code elsewhere is allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const FORBIDDEN: [string, string][] = [
  ['export const t = Date.now();\n', 'no-restricted-properties'],
  ['export const r = Math.random();\n', 'no-restricted-properties'],
  ['export const d = new Date();\n', 'no-restricted-syntax'],
  ['setTimeout(() => undefined, 1);\n', 'no-restricted-globals'],
  ['export const e = process.env;\n', 'no-restricted-globals'],
  [
    "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
    '@typescript-eslint/no-restricted-imports',
  ],
  [
    "import { randomBytes } from 'node:crypto';\nexport const b = randomBytes;\n",
    '@typescript-eslint/no-restricted-imports',
  ],
  ["import { Level } from 'level';\nexport const l = Level;\n", '@typescript-eslint/no-restricted-imports'],
  [
    "import { x } from '../storage/keys.js';\nexport const y = x;\n",
    '@typescript-eslint/no-restricted-imports',
  ],
];

for (const dir of ['src/consensus', 'src/ledger', 'src/codec', 'contracts/chat']) {
  for (const [code, rule] of FORBIDDEN) {
    test(`${dir} refuses: ${code.split('\n').at(-2)}`, async () => {
      assert.ok((await ruleIds(code, `${dir}/probe.ts`)).includes(rule));
    });
  }
}

test('deterministic uses stay allowed in the core, and the node layer may use the clock', async () => {
  const allowed =
    "import { createHash } from 'node:crypto';\nexport const h = createHash('sha256');\nexport const d = new Date(0);\nexport const m = Math.max(1, 2);\n";
  assert.deepEqual(await ruleIds(allowed, 'src/ledger/probe.ts'), []);
  assert.deepEqual(await ruleIds('export const t = Date.now();\n', 'src/node/probe.ts'), []);
});
