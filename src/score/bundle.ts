/**
 * Bundles a contract (`contracts/<name>/index.ts`, default-exporting a Score subclass) into the one script a
 * `deploy` transaction carries: an IIFE assigning the module to the global the sandbox reads (SCORE_GLOBAL).
 *
 * The output bytes are a pure function of the sources: paths in esbuild's comments are relative to a fixed
 * root (the project), nothing is minified away from what an auditor reads, and no timestamps or absolute
 * paths are embedded. Node builtins cannot be bundled (there is no Node inside the sandbox), so importing one
 * fails the build with a message naming it; async code fails it too, as it would fail deployment.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { bytesToHex } from '../codec/hex.js';
import { checkScoreCode } from './code-check.js';
import { ScoreError } from './errors.js';
import { SCORE_GLOBAL } from './prelude.js';
import { codeHashOf } from './score-store.js';

export { codeHashOf } from './score-store.js';

export interface ScoreBundle {
  /** The script, as deployed (`data.content` is `0x` + hex of its UTF-8 bytes). */
  readonly code: string;
  readonly bytes: Uint8Array;
  /** `0x` + SHA3-256 of the bytes: the codeHash of the version it becomes. */
  readonly codeHash: string;
}

export interface BundleOptions {
  /** Paths in the output are relative to this directory; the project root by default. */
  readonly root?: string;
}

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

const refuseNodeBuiltins: Plugin = {
  name: 'refuse-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      const root = args.path.split('/')[0]!;
      if (!args.path.startsWith('node:') && !NODE_BUILTINS.has(args.path) && !NODE_BUILTINS.has(root)) {
        return undefined;
      }
      return {
        errors: [
          { text: `SCOREs cannot import the Node builtin '${args.path}': the sandbox has no Node APIs` },
        ],
      };
    });
  },
};

/** Bundles one contract entry point. Throws BUNDLE_FAILED with esbuild's messages or the code check's. */
export async function bundleContract(entry: string, options: BundleOptions = {}): Promise<ScoreBundle> {
  let text: string;
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: options.root ?? PROJECT_ROOT,
      bundle: true,
      format: 'iife',
      globalName: SCORE_GLOBAL,
      target: 'es2022',
      platform: 'neutral',
      // Fixed here rather than read from whatever tsconfig.json is nearest, which would make the bytes
      // depend on where the sources sit. Strict: the bundle starts with "use strict".
      tsconfigRaw: {
        compilerOptions: {
          strict: true,
          alwaysStrict: true,
          useDefineForClassFields: true,
          verbatimModuleSyntax: true,
        },
      },
      mainFields: ['module', 'main'],
      define: { 'process.env.NODE_ENV': '"production"' },
      charset: 'ascii',
      legalComments: 'inline',
      sourcemap: false,
      write: false,
      logLevel: 'silent',
      plugins: [refuseNodeBuiltins],
    });
    text = result.outputFiles[0]!.text;
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
      .errors;
    const detail =
      errors
        ?.map((x) => (x.location ? `${x.location.file}:${x.location.line}: ${x.text}` : x.text))
        .join('; ') ?? String(e);
    throw new ScoreError('BUNDLE_FAILED', `cannot bundle ${entry}: ${detail}`);
  }
  try {
    checkScoreCode(text);
  } catch (e) {
    throw new ScoreError('BUNDLE_FAILED', `cannot bundle ${entry}: ${(e as Error).message}`);
  }
  const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
  return { code: text, bytes, codeHash: codeHashOf(bytes) };
}

/** The `data` of a deploy transaction for a bundle. */
export function deployData(bundle: ScoreBundle): { contentType: 'application/javascript'; content: string } {
  return { contentType: 'application/javascript', content: `0x${bytesToHex(bundle.bytes)}` };
}
