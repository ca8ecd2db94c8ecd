/**
 * Loader for the published RFC 6962 vectors (transparency-dev/merkle, copied to ../shared/vectors). Every
 * JSON file under a folder is returned, decoded and shape-checked, so a test can check them all and assert
 * the count; a missing folder fails loudly rather than letting a test pass on zero vectors.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTORS_DIR = path.resolve(repoRoot, '..', 'shared', 'vectors', 'merkle-rfc6962');

/** The leaves of the Certificate Transparency reference tree the vectors' happy paths are proofs over. */
export const REFERENCE_LEAVES_HEX = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];

export interface Vector {
  /** Path relative to the vectors folder, with `/` separators. */
  readonly where: string;
  readonly desc: string;
  readonly wantErr: boolean;
  /** The raw JSON, for the fields each kind has (sizes are left as parsed: some exceed 2^53). */
  readonly json: Readonly<Record<string, unknown>>;
  readonly proof: Uint8Array[];
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) return jsonFiles(p);
      return name.endsWith('.json') ? [p] : [];
    });
}

export function countJsonFiles(dir: string): number {
  return jsonFiles(dir).length;
}

/** Strict base64: re-encoding must give the input back, so nothing is silently dropped. */
export function b64(value: unknown, where: string): Uint8Array {
  assert.equal(typeof value, 'string', `${where}: expected a base64 string`);
  const out = Buffer.from(value as string, 'base64');
  assert.equal(out.toString('base64'), value, `${where}: not canonical base64`);
  return new Uint8Array(out);
}

export function loadVectors(kind: 'inclusion' | 'consistency'): Vector[] {
  const dir = path.join(VECTORS_DIR, kind);
  assert.ok(
    existsSync(dir),
    `RFC 6962 vectors missing: expected ${dir} (the shared vectors folder beside the repository root)`,
  );
  const files = jsonFiles(dir);
  assert.ok(files.length > 0, `no RFC 6962 vectors found under ${dir}`);
  return files.map((file) => {
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const where = path.relative(VECTORS_DIR, file).split(path.sep).join('/');
    assert.equal(typeof json.wantErr, 'boolean', `${where}: wantErr must be a boolean`);
    assert.ok(json.proof === null || Array.isArray(json.proof), `${where}: proof must be an array or null`);
    const proof = ((json.proof ?? []) as unknown[]).map((p, i) => b64(p, `${where} proof[${i}]`));
    return { where, desc: String(json.desc), wantErr: json.wantErr as boolean, json, proof };
  });
}
