/**
 * `loopchain keygen --out <keystore.json> [--password-file F]`: a new secp256k1 account in an ICON keystore
 * (the format icon-sdk-js reads), written atomically with mode 0600. Prints the hx address.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { addressFromPublicKey } from '../crypto/address.js';
import { writeKeystoreFile } from '../crypto/keystore-file.js';
import { isValidPrivateKey, publicKeyOf } from '../crypto/secp256k1.js';
import type { CliIo } from './genesis.js';

export const KEYGEN_USAGE = `usage: loopchain keygen --out <keystore.json> --password-file <file>

Creates a secp256k1 account key and writes it as an ICON keystore (scrypt), refusing to overwrite a file.
Prints the account's hx address.

options:
  --out <file>            the keystore file to create
  --password-file <file>  a file holding the keystore password (at least 8 characters)
  -h, --help              this text
`;

export async function runKeygen(argv: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        'password-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    io.err(`loopchain keygen: ${(e as Error).message}\n${KEYGEN_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(KEYGEN_USAGE);
    return 0;
  }
  if (values.out === undefined || values['password-file'] === undefined) {
    io.err(`loopchain keygen: --out and --password-file are required\n${KEYGEN_USAGE}`);
    return 2;
  }
  let password: string;
  try {
    password = readFileSync(values['password-file'], 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    io.err(`loopchain keygen: cannot read the password file: ${(e as Error).message}\n`);
    return 2;
  }
  if (password.length < 8) {
    io.err('loopchain keygen: the password must be at least 8 characters\n');
    return 2;
  }
  let key: Uint8Array;
  do key = new Uint8Array(randomBytes(32));
  while (!isValidPrivateKey(key));
  const address = addressFromPublicKey(publicKeyOf(key));
  try {
    await writeKeystoreFile(values.out, key, password);
  } catch (e) {
    io.err(`loopchain keygen: ${(e as Error).message}\n`);
    return 1;
  } finally {
    key.fill(0);
  }
  io.out(`${address}\n`);
  return 0;
}
