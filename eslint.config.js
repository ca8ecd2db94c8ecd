// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The deterministic core (DESIGN §2, STYLE 1): no clock, no randomness, no timers, no I/O.
const CORE = ['src/consensus/**/*.ts', 'src/ledger/**/*.ts', 'src/codec/**/*.ts', 'contracts/**/*.ts'];

const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'dns',
  'child_process',
  'cluster',
  'worker_threads',
  'timers',
  'timers/promises',
  'os',
  'perf_hooks',
  'process',
  'readline',
].flatMap((m) => [m, `node:${m}`]);

const why = 'the deterministic core takes time, randomness and I/O as inputs (STYLE.md 1)';

export default tseslint.config(
  { ignores: ['node_modules/**', '.devnet/**', '.tmp/**', 'src/codec/proto/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: CORE,
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: why },
        { object: 'Math', property: 'random', message: why },
        { object: 'performance', property: 'now', message: why },
        { object: 'crypto', property: 'getRandomValues', message: why },
        { object: 'crypto', property: 'randomUUID', message: why },
        { object: 'process', property: 'hrtime', message: why },
      ],
      'no-restricted-globals': [
        'error',
        ...[
          'setTimeout',
          'setInterval',
          'setImmediate',
          'clearTimeout',
          'clearInterval',
          'clearImmediate',
          'queueMicrotask',
          'fetch',
          'process',
          'performance',
          'require',
        ].map((name) => ({ name, message: why })),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: `new Date() reads the clock: ${why}`,
        },
        { selector: "CallExpression[callee.name='Date']", message: `Date() reads the clock: ${why}` },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...IO_MODULES.map((name) => ({ name, message: why })),
            ...['crypto', 'node:crypto'].map((name) => ({
              name,
              importNames: [
                'randomBytes',
                'randomInt',
                'randomUUID',
                'randomFill',
                'randomFillSync',
                'generateKeyPair',
                'generateKeyPairSync',
                'getRandomValues',
                'webcrypto',
              ],
              message: why,
            })),
            ...['level', 'classic-level', 'memory-level', '@grpc/grpc-js', 'fastify', 'pino'].map((name) => ({
              name,
              message: why,
            })),
          ],
          patterns: [
            {
              group: [
                '**/storage/**',
                '**/network/**',
                '**/node/**',
                '**/api/**',
                '**/cli/**',
                '**/channel/**',
              ],
              message: 'the core must not depend on storage, network or wiring layers (DESIGN §2)',
            },
          ],
        },
      ],
    },
  },
);
