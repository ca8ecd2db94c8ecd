#!/usr/bin/env node
/**
 * The `loopchain` command. Subcommands land with their issues (DESIGN §7): devnet, node, keygen, pki,
 * genesis, cert verify, audit verify. Until then each says plainly that it is not built yet.
 */
const PLANNED: Record<string, string> = {
  devnet: 'the 4-validator devnet (npm start)',
  node: 'a loopchain node',
  keygen: 'key generation',
  pki: 'PKI ceremonies',
  genesis: 'genesis construction',
  cert: 'certificate verification',
  audit: 'offline chain audit',
};

function main(argv: string[]): number {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(
      `usage: loopchain <command>\n\ncommands (planned):\n${Object.entries(PLANNED)
        .map(([k, v]) => `  ${k.padEnd(8)} ${v}`)
        .join('\n')}\n`,
    );
    return command === undefined ? 2 : 0;
  }
  const what = PLANNED[command];
  if (what === undefined) {
    process.stderr.write(`loopchain: unknown command '${command}' (try --help)\n`);
    return 2;
  }
  process.stderr.write(
    `loopchain ${command}: ${what} is not built yet. The foundation (ledger core, storage) is in place; ` +
      `see docs/architecture.md for what is planned and README.md for what works today.\n`,
  );
  return 1;
}

process.exitCode = main(process.argv.slice(2));
