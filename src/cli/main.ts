#!/usr/bin/env node
/**
 * The `loopchain` command (DESIGN §7): devnet, node, keygen, pki, genesis, cert verify, audit verify.
 * Subcommands land with their issues; until then each planned one says plainly that it is not built yet.
 */
import { runGenesis, type CliIo } from './genesis.js';
import { runDevnet } from './devnet.js';
import { runKeygen } from './keygen.js';
import { runNode } from './node.js';
import { runPkiCommand } from './pki.js';

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const AVAILABLE: Record<string, { what: string; run: Command }> = {
  genesis: { what: "build a channel's genesis block from a config", run: runGenesis },
  pki: {
    what: 'key ceremonies: consortium root, Validator CA, node TLS certificate, OCSP responder key',
    run: runPkiCommand,
  },
  node: { what: 'run a loopchain node from its config', run: runNode },
  devnet: { what: 'the 4-validator devnet on loopback (npm start)', run: runDevnet },
  keygen: { what: 'a new account key in an ICON keystore', run: runKeygen },
};

const PLANNED: Record<string, string> = {
  cert: 'certificate verification',
  audit: 'offline chain audit',
};

function usage(): string {
  const row = (k: string, v: string): string => `  ${k.padEnd(8)} ${v}`;
  return (
    `usage: loopchain <command> [options]    (loopchain <command> --help for its options)\n\n` +
    `commands:\n${Object.entries(AVAILABLE)
      .map(([k, v]) => row(k, v.what))
      .join('\n')}\n\n` +
    `planned (not built yet):\n${Object.entries(PLANNED)
      .map(([k, v]) => row(k, v))
      .join('\n')}\n`
  );
}

async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(usage());
    return command === undefined ? 2 : 0;
  }
  const available = AVAILABLE[command];
  if (available !== undefined) return available.run(rest, io);
  const what = PLANNED[command];
  if (what === undefined) {
    io.err(`loopchain: unknown command '${command}' (try --help)\n`);
    return 2;
  }
  io.err(
    `loopchain ${command}: ${what} is not built yet. The foundation (ledger core, storage, SCORE runtime, ` +
      `genesis) is in place; see docs/architecture.md for what is planned and README.md for what works today.\n`,
  );
  return 1;
}

const io: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    io.err(`loopchain: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
