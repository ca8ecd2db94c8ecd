/**
 * Bundles the SCOREs in contracts/<name>/index.ts (src/score/bundle.ts) into <out>/<name>.js and prints each
 * name, code hash and size. Bundles are build outputs, made on demand for genesis and deploy transactions;
 * they are not committed. Same sources → same bytes → same code hash, on any machine.
 *
 *   tsx scripts/build-contracts.ts [--src contracts] [--out .tmp/contracts] [name ...]
 *
 * Exits 1 when any contract fails to bundle, after trying all of them.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleContract, PROJECT_ROOT, type ScoreBundle } from '../src/score/bundle.js';

export interface BuiltContract {
  readonly name: string;
  readonly bundle?: ScoreBundle;
  readonly path?: string;
  readonly error?: string;
}

export interface BuildOptions {
  /** Directory holding one folder per contract. */
  readonly sourceDir: string;
  /** Where bundles are written; nothing is written when undefined. */
  readonly outDir?: string;
  /** Only these contracts; all with an index.ts when empty. */
  readonly names?: readonly string[];
}

async function contractNames(sourceDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(sourceDir);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const name of entries.sort()) {
    const index = join(sourceDir, name, 'index.ts');
    if (
      await stat(index).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      names.push(name);
  }
  return names;
}

export async function buildContracts(options: BuildOptions): Promise<BuiltContract[]> {
  const names = options.names?.length ? [...options.names] : await contractNames(options.sourceDir);
  if (options.outDir !== undefined) await mkdir(options.outDir, { recursive: true });
  const built: BuiltContract[] = [];
  for (const name of names) {
    try {
      const bundle = await bundleContract(join(options.sourceDir, name, 'index.ts'));
      let path: string | undefined;
      if (options.outDir !== undefined) {
        path = join(options.outDir, `${name}.js`);
        await writeFile(path, bundle.bytes);
      }
      built.push({ name, bundle, ...(path === undefined ? {} : { path }) });
    } catch (e) {
      built.push({ name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return built;
}

async function main(argv: string[]): Promise<number> {
  let sourceDir = join(PROJECT_ROOT, 'contracts');
  let outDir = join(PROJECT_ROOT, '.tmp', 'contracts');
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--src' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined) {
        process.stderr.write(`${arg} needs a directory\n`);
        return 2;
      }
      if (arg === '--src') sourceDir = resolve(value);
      else outDir = resolve(value);
    } else names.push(arg);
  }
  const built = await buildContracts({ sourceDir, outDir, names });
  if (built.length === 0) process.stderr.write(`no contracts found under ${sourceDir}\n`);
  for (const c of built) {
    if (c.bundle !== undefined) {
      process.stdout.write(`${c.name}\t${c.bundle.codeHash}\t${c.bundle.bytes.length} bytes\t${c.path}\n`);
    } else process.stderr.write(`${c.name}: ${c.error}\n`);
  }
  return built.some((c) => c.error !== undefined) ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
