/**
 * Keystore files on disk: a bounded read (a hostile path cannot make us buffer without end) and an atomic
 * mode-0600 write that never leaves a partial or world-readable key file behind.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decryptKeystore, encryptKeystore, type DecryptedKeystore, type EncryptOptions } from './keystore.js';
import { KeystoreError, MAX_KEYSTORE_BYTES, tooLarge, type IconKeystore } from './keystore-format.js';

/** Reads and decrypts a keystore file. Effects: reads `path` (fs errors pass through unchanged). */
export async function readKeystoreFile(path: string, password: string): Promise<DecryptedKeystore> {
  // Bounded read rather than stat + readFile: a FIFO or device reports size 0 and never ends.
  const buf = Buffer.alloc(MAX_KEYSTORE_BYTES + 1);
  let length = 0;
  const fh = await open(path, 'r');
  try {
    while (length < buf.length) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
  } finally {
    await fh.close();
  }
  if (length > MAX_KEYSTORE_BYTES) throw tooLarge();
  return decryptKeystore(buf.toString('utf8', 0, length), password);
}

/**
 * Encrypts `privateKey` and writes it to `path` atomically: a mode-0600 temp file in the same directory,
 * fsync, then link (refusing an existing file unless `overwrite`) or rename. Effects: writes to disk.
 */
export async function writeKeystoreFile(
  path: string,
  privateKey: Uint8Array,
  password: string,
  options: EncryptOptions & { readonly overwrite?: boolean } = {},
): Promise<IconKeystore> {
  const keystore = await encryptKeystore(privateKey, password, options);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    try {
      await fh.writeFile(JSON.stringify(keystore), 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.overwrite) {
      await rename(tmp, path);
    } else {
      await link(tmp, path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') throw new KeystoreError('FILE_EXISTS', `${path} already exists`, { path });
        throw e;
      });
    }
  } finally {
    await unlink(tmp).catch(() => undefined); // gone already after a rename
  }
  const dh = await open(dir, 'r'); // persist the directory entry
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
  return keystore;
}
