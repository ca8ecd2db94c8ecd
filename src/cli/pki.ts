/**
 * `loopchain pki …`: the key ceremonies (docs/pki.md). Passphrases come only from environment variables named
 * by flags (no prompt, nothing on the command line or in shell history). Files are never overwritten.
 *
 *   pki root          --out DIR --name CONSORTIUM --passphrase-env VAR [--curve P-384|P-256] [--validity-years 20]
 *   pki validator-ca  --root-dir DIR --root-passphrase-env VAR --institution NAME --address hx… --out DIR
 *                     --passphrase-env VAR [--validity-years 10]
 *   pki ocsp-key      --out DIR --name NAME --passphrase-env VAR [--responder hx…]
 *   pki node-cert     --root-cert FILE --root-key FILE --root-password-file FILE --address hx… --out DIR
 *                     [--hosts H1,H2] [--validity-days 365]
 *
 * node-cert reads the root passphrase from a file (first line) so a provisioning script can issue node
 * certificates unattended; the node's TLS key is written unencrypted (mode 0600) because the node loads it
 * at every start without an operator.
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopchainError } from '../errors.js';
import { parentCa } from '../pki/block-issuer.js';
import {
  checkKeyMatches,
  checkPassphrase,
  createOcspResponderKey,
  createRoot,
  decryptKey,
  encryptKey,
  issueNodeCertificate,
  issueValidatorCa,
  plainKeyPem,
  writeNewFiles,
  type CaCurve,
} from '../pki/ceremony.js';
import { CeremonyError } from '../pki/errors.js';
import { toPem } from '../pki/tbs.js';

export const PKI_USAGE = `usage:
  loopchain pki root --out DIR --name CONSORTIUM --passphrase-env VAR [--curve P-384|P-256] [--validity-years 20]
  loopchain pki validator-ca --root-dir DIR --root-passphrase-env VAR --institution NAME --address hx…
                             --out DIR --passphrase-env VAR [--validity-years 10]
  loopchain pki ocsp-key --out DIR --name NAME --passphrase-env VAR [--responder hx…]
  loopchain pki node-cert --root-cert FILE --root-key FILE --root-password-file FILE --address hx…
                          --out DIR [--hosts H1,H2] [--validity-days 365]
`;

export interface PkiIo {
  env: Record<string, string | undefined>;
  out: (s: string) => void;
  err: (s: string) => void;
  now: () => Date;
}

const defaultIo: PkiIo = {
  env: process.env,
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  now: () => new Date(),
};

function parseFlags(args: string[], allowed: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i]!;
    const v = args[i + 1];
    if (!k.startsWith('--') || !allowed.includes(k.slice(2)))
      throw new CeremonyError('BAD_ARGUMENT', `unknown argument ${k}`);
    if (v === undefined || v.startsWith('--')) throw new CeremonyError('BAD_ARGUMENT', `${k} needs a value`);
    flags.set(k.slice(2), v);
  }
  return flags;
}

function need(flags: Map<string, string>, k: string): string {
  const v = flags.get(k);
  if (v === undefined) throw new CeremonyError('BAD_ARGUMENT', `--${k} is required`);
  return v;
}

const intFlag = (flags: Map<string, string>, k: string, dflt: number): number => {
  const v = flags.get(k);
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v)) throw new CeremonyError('BAD_ARGUMENT', `--${k} must be a whole number`);
  return Number(v);
};

function passphrase(flags: Map<string, string>, k: string, io: PkiIo, what: string): string {
  const varName = need(flags, k);
  return checkPassphrase(io.env[varName], `${what} (environment variable ${varName})`);
}

function outDir(flags: Map<string, string>): string {
  const dir = need(flags, 'out');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function root(args: string[], io: PkiIo): void {
  const f = parseFlags(args, ['out', 'name', 'passphrase-env', 'curve', 'validity-years']);
  const consortium = need(f, 'name');
  const curve = (f.get('curve') ?? 'P-384') as CaCurve;
  if (curve !== 'P-256' && curve !== 'P-384')
    throw new CeremonyError('BAD_ARGUMENT', '--curve must be P-256 or P-384');
  const pass = passphrase(f, 'passphrase-env', io, 'the root key');
  const dir = outDir(f);
  const ca = createRoot({
    consortium,
    curve,
    notBefore: io.now(),
    validityYears: intFlag(f, 'validity-years', 20),
  });
  const paths = writeNewFiles(dir, [
    { name: 'root.pem', data: toPem(ca.certificate) },
    { name: 'root.key.pem', data: encryptKey(ca.privateKey, pass), secret: true },
  ]);
  io.out(`wrote ${paths.join(', ')}\nroot certificate SHA-256 fingerprint: ${fingerprint(ca.certificate)}\n`);
}

function validatorCa(args: string[], io: PkiIo): void {
  const f = parseFlags(args, [
    'root-dir',
    'root-passphrase-env',
    'institution',
    'address',
    'out',
    'passphrase-env',
    'validity-years',
  ]);
  const rootDir = need(f, 'root-dir');
  const rootPass = passphrase(f, 'root-passphrase-env', io, 'the root key');
  const pass = passphrase(f, 'passphrase-env', io, 'the Validator CA key');
  let certPem: string;
  let keyPem: string;
  try {
    certPem = readFileSync(join(rootDir, 'root.pem'), 'utf8');
    keyPem = readFileSync(join(rootDir, 'root.key.pem'), 'utf8');
  } catch (e) {
    throw new CeremonyError(
      'BAD_FILE',
      `cannot read root.pem / root.key.pem in ${rootDir}: ${(e as Error).message}`,
    );
  }
  const certificate = pemToDer(certPem);
  const rootKey = decryptKey(keyPem, rootPass);
  checkKeyMatches(certificate, rootKey);
  const consortium = organizationOf(certificate);
  const address = need(f, 'address');
  const ca = issueValidatorCa({
    root: { certificate, privateKey: rootKey },
    consortium,
    institution: need(f, 'institution'),
    address,
    notBefore: io.now(),
    validityYears: intFlag(f, 'validity-years', 10),
  });
  const dir = outDir(f);
  const paths = writeNewFiles(dir, [
    { name: 'validator-ca.pem', data: toPem(ca.certificate) },
    { name: 'validator-ca.key.pem', data: encryptKey(ca.privateKey, pass), secret: true },
    { name: 'validator-ca-chain.pem', data: toPem(ca.certificate) + certPem.trim() + '\n' },
  ]);
  io.out(
    `wrote ${paths.join(', ')}\nValidator CA for ${address}, SHA-256 fingerprint: ${fingerprint(ca.certificate)}\n`,
  );
}

function ocspKey(args: string[], io: PkiIo): void {
  const f = parseFlags(args, ['out', 'name', 'passphrase-env', 'responder']);
  const pass = passphrase(f, 'passphrase-env', io, 'the responder key');
  const responder = f.get('responder');
  const made = createOcspResponderKey({ name: need(f, 'name'), ...(responder ? { responder } : {}) });
  const dir = outDir(f);
  const paths = writeNewFiles(dir, [
    { name: 'ocsp-responder.key.pem', data: encryptKey(made.privateKey, pass), secret: true },
    { name: 'register-responder-key.json', data: `${JSON.stringify(made.registration, null, 2)}\n` },
  ]);
  io.out(
    `wrote ${paths.join(', ')}\npropose it to governance: propose("registerResponderKey", payload)` +
      `${responder ? '' : ' after adding "responder": the hx… address of the responder member'}\n`,
  );
}

function readFlagFile(flags: Map<string, string>, k: string): string {
  const path = need(flags, k);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CeremonyError('BAD_FILE', `cannot read --${k} ${path}: ${(e as Error).message}`);
  }
}

function nodeCert(args: string[], io: PkiIo): void {
  const f = parseFlags(args, [
    'root-cert',
    'root-key',
    'root-password-file',
    'address',
    'out',
    'hosts',
    'validity-days',
  ]);
  const address = need(f, 'address');
  need(f, 'out');
  const pass = checkPassphrase(
    readFlagFile(f, 'root-password-file').split(/\r?\n/)[0],
    `the root key (file ${f.get('root-password-file')})`,
  );
  const certPem = readFlagFile(f, 'root-cert');
  const certificate = pemToDer(certPem);
  const rootKey = decryptKey(readFlagFile(f, 'root-key'), pass);
  checkKeyMatches(certificate, rootKey);
  const hosts = (f.get('hosts') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const made = issueNodeCertificate({
    root: { certificate, privateKey: rootKey },
    consortium: organizationOf(certificate),
    address,
    hosts,
    notBefore: io.now(),
    validityDays: intFlag(f, 'validity-days', 365),
  });
  const dir = outDir(f);
  const paths = writeNewFiles(dir, [
    { name: 'node.pem', data: toPem(made.certificate) },
    { name: 'node.key.pem', data: plainKeyPem(made.privateKey), secret: true },
  ]);
  io.out(
    `wrote ${paths.join(', ')}\nnode TLS certificate for ${address}, SHA-256 fingerprint: ${fingerprint(made.certificate)}\n`,
  );
}

/** As `openssl x509 -fingerprint -sha256` prints it (and as genesis reports it). */
const fingerprint = (der: Uint8Array): string => new X509Certificate(Buffer.from(der)).fingerprint256;

export function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new CeremonyError('BAD_FILE', 'not a PEM certificate');
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** The consortium name is the root's O attribute: every lower certificate repeats it. */
function organizationOf(certificate: Uint8Array): string {
  const subject = parentCa(certificate).parts.subject;
  // The root subject is our own encoding: SEQ { SET { SEQ { OID 2.5.4.10, UTF8String O } }, … }.
  const marker = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c]);
  const at = Buffer.from(subject).indexOf(marker);
  if (at < 0) throw new CeremonyError('BAD_FILE', 'the root certificate has no organization name');
  const len = subject[at + marker.length]!;
  if (len >= 0x80) throw new CeremonyError('BAD_FILE', 'the root organization name is too long');
  const start = at + marker.length + 1;
  return new TextDecoder().decode(subject.subarray(start, start + len));
}

/** Runs one `pki` subcommand; returns the exit code. Typed errors become one line on stderr. */
export function runPki(argv: readonly string[], io: PkiIo = defaultIo): number {
  const [sub, ...args] = argv;
  const commands: Record<string, (a: string[], io: PkiIo) => void> = {
    root,
    'validator-ca': validatorCa,
    'ocsp-key': ocspKey,
    'node-cert': nodeCert,
  };
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(PKI_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const run = commands[sub];
  if (!run) {
    io.err(`loopchain pki: unknown subcommand '${sub}'\n${PKI_USAGE}`);
    return 2;
  }
  try {
    run(args, io);
    return 0;
  } catch (e) {
    if (isLoopchainError(e)) {
      io.err(`loopchain pki ${sub}: ${e.message} (${e.code})\n`);
      return e.code === 'BAD_ARGUMENT' ? 2 : 1;
    }
    throw e;
  }
}

/** The `Command` shape of main.ts: its io (out, err) with the process environment and clock. */
export const runPkiCommand = async (
  argv: readonly string[],
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> => runPki(argv, { ...defaultIo, out: io.out, err: io.err });
