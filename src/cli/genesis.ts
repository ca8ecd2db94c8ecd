/**
 * `loopchain genesis --config <file.json> --out <dir>`: builds a channel's genesis and writes
 * `<dir>/<channel>/genesis.block` (protobuf) and `<dir>/<channel>/genesis.json` (summary), then prints the
 * summary. A bad config is refused with every mistake listed and exit code 2, before anything is written;
 * the files are written into a temporary directory that is renamed into place, so a run leaves either the
 * whole output or none. An existing `<dir>/<channel>` is never overwritten.
 *
 * Effects: reads the config and the files it names, bundles contracts, writes one directory.
 */
import { chmod, mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGenesis, GenesisBuildError, genesisSummary, type GenesisSummary } from '../genesis/build.js';
import { GenesisConfigError } from '../genesis/config.js';
import { loadGenesisConfig } from '../genesis/load.js';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const GENESIS_USAGE = `usage: loopchain genesis --config <file.json> --out <dir>

Builds a channel's genesis block from a genesis config (see docs/operations.md) and writes
  <dir>/<channel>/genesis.block   the block, protobuf-encoded
  <dir>/<channel>/genesis.json    a summary: block hash, roots, SCORE addresses, validators, members,
                                  root certificate fingerprint
A bad config is refused with every mistake listed (exit code 2) and nothing is written.

options:
  --config <file>  the genesis config (JSON); file paths in it are relative to it
  --out <dir>      the output directory; <dir>/<channel> must not exist yet
  -h, --help       this text
`;

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Writes the files into `<out>/.genesis-*` and renames it to `<out>/<channel>`. */
async function writeOutput(
  out: string,
  channel: string,
  block: Uint8Array,
  summary: string,
): Promise<string> {
  const target = join(out, channel);
  await mkdir(out, { recursive: true });
  const tmp = await mkdtemp(join(out, `.genesis-${channel}-`));
  try {
    await writeSynced(join(tmp, 'genesis.block'), block);
    await writeSynced(join(tmp, 'genesis.json'), summary);
    await chmod(tmp, 0o755); // mkdtemp makes it private; the genesis is public
    if (await exists(target)) throw new Error(`${target} appeared while writing`);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return target;
}

function describe(s: GenesisSummary, dir: string): string {
  const lines = [
    `genesis of channel ${s.channel} (nid ${s.nid}) written to ${dir}`,
    `  block hash        ${s.blockHash}`,
    `  timestamp         ${s.timestamp} (${s.time})`,
    `  state root        ${s.stateRoot}`,
    `  validators hash   ${s.validatorsHash}`,
    `  root certificate  ${s.rootCertificate.subject}`,
    `    SHA-256         ${s.rootCertificate.fingerprintSha256}`,
    `  SCOREs`,
    ...Object.entries(s.scores).map(([name, address]) => `    ${name.padEnd(16)} ${address}`),
    `  validators (${s.validators.length})`,
    ...s.validators.map((v) => `    ${v.address}  ${v.name}`),
    `  members (${s.members.length}), threshold ${s.threshold}`,
    ...s.members.map((m) => `    ${m.address}  ${m.name} [${m.roles.join(', ')}]`),
    `  OCSP responder keys: ${s.responderKeys.length}`,
  ];
  return `${lines.join('\n')}\n`;
}

export async function runGenesis(argv: readonly string[], io: CliIo): Promise<number> {
  let values: { config?: string | undefined; out?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.err(`loopchain genesis: ${(e as Error).message}\n\n${GENESIS_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    io.out(GENESIS_USAGE);
    return 0;
  }
  const missing = (['config', 'out'] as const).filter((k) => values[k] === undefined || values[k] === '');
  if (missing.length > 0) {
    io.err(`loopchain genesis: missing ${missing.map((k) => `--${k}`).join(' and ')}\n\n${GENESIS_USAGE}`);
    return EXIT_USAGE;
  }
  const out = values.out!;
  try {
    const config = loadGenesisConfig(values.config!);
    const target = join(out, config.channel);
    if (await exists(target)) {
      io.err(`loopchain genesis: ${target} already exists; a genesis is never overwritten\n`);
      return EXIT_FAILURE;
    }
    const genesis = await buildGenesis(config);
    const summary = genesisSummary(config, genesis);
    const dir = await writeOutput(
      out,
      config.channel,
      genesis.blockBytes,
      `${JSON.stringify(summary, null, 2)}\n`,
    );
    io.out(describe(summary, dir));
    return 0;
  } catch (e) {
    if (e instanceof GenesisConfigError) {
      io.err(`loopchain genesis: ${values.config!}: ${e.problems.length} mistake(s) in the config:\n`);
      io.err(e.problems.map((p) => `  ${p}\n`).join(''));
      return EXIT_USAGE;
    }
    if (e instanceof GenesisBuildError) {
      io.err(`loopchain genesis: the config does not build a genesis: ${e.message}\n`);
      return EXIT_USAGE;
    }
    io.err(`loopchain genesis: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
}
