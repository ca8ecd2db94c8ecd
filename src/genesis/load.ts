/**
 * Reads a genesis config file from disk and checks it (the I/O edge of config.ts): files it names are
 * resolved relative to the config file's directory, contract sources relative to the project root.
 * Throws GenesisConfigError for any mistake, including a file that cannot be read or is not JSON.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../score/bundle.js';
import { MAX_PEM_LENGTH } from './certificates.js';
import { checkGenesisConfig, GenesisConfigError, type ConfigFiles, type GenesisConfig } from './config.js';

/** A config is a few KiB; this bounds what a wrong path (a disk image, a log) can make us read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function readBounded(path: string, limit: number): string {
  const size = statSync(path).size;
  if (size > limit) throw new Error(`${size} bytes, more than the limit of ${limit}`);
  return readFileSync(path, 'utf8');
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EISDIR') return 'is a directory';
  if (err.code === 'EACCES') return 'permission denied';
  return err.message;
}

export function configFiles(configPath: string, projectRoot: string = PROJECT_ROOT): ConfigFiles {
  const base = dirname(resolve(configPath));
  return {
    readText(path) {
      try {
        return readBounded(resolve(base, path), MAX_PEM_LENGTH);
      } catch (e) {
        throw new Error(reason(e), { cause: e });
      }
    },
    hasContract(source) {
      try {
        return statSync(join(projectRoot, source, 'index.ts')).isFile();
      } catch {
        return false;
      }
    },
  };
}

export function loadGenesisConfig(configPath: string, projectRoot: string = PROJECT_ROOT): GenesisConfig {
  let text: string;
  try {
    text = readBounded(configPath, MAX_CONFIG_BYTES);
  } catch (e) {
    throw new GenesisConfigError([`${configPath}: cannot read: ${reason(e)}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GenesisConfigError([`${configPath}: not JSON: ${(e as Error).message}`]);
  }
  return checkGenesisConfig(raw, configFiles(configPath, projectRoot));
}
