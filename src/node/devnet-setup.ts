/**
 * The devnet's files (DESIGN §7), made once under `.devnet/` and reused by every later `npm start`: a
 * consortium root, 4 validators (account keystore, Validator CA, node TLS certificate, node config), the
 * firms firm-a and firm-b with the RA role on `kofia`, and the genesis configs of `kofia` (governance and
 * certificate authority) and `chat` (governance and chat). Secrets sit next to what they open, mode 0600:
 * this is a development network on loopback, not a production key ceremony.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { addressFromPublicKey } from '../crypto/address.js';
import { writeKeystoreFile } from '../crypto/keystore-file.js';
import { publicKeyOf } from '../crypto/secp256k1.js';
import {
  createRoot,
  encryptKey,
  issueNodeCertificate,
  issueValidatorCa,
  plainKeyPem,
  type IssuedCa,
} from '../pki/ceremony.js';
import { toPem } from '../pki/tbs.js';

export const DEVNET_VALIDATORS = 4;
export const JSONRPC_BASE_PORT = 9000;
export const GRPC_BASE_PORT = 7100;
export const CONSORTIUM = 'KOFIA Devnet';
export const SCORES = {
  governance: 'cx0000000000000000000000000000000000000001',
  certificateAuthority: 'cx0000000000000000000000000000000000000002',
  chat: 'cx0000000000000000000000000000000000000003',
} as const;

export interface DevnetAccount {
  readonly id: string;
  readonly address: `hx${string}`;
  /** Relative to the project root. */
  readonly keystorePath: string;
  readonly keystorePassword: string;
}

export interface DevnetLayout {
  readonly dir: string;
  readonly nodes: readonly (DevnetAccount & { config: string; jsonrpcPort: number; grpcPort: number })[];
  readonly firms: readonly DevnetAccount[];
  readonly admin: DevnetAccount;
  readonly rootCertPath: string;
  readonly channels: readonly { name: string; nid: string; scores: Record<string, string> }[];
}

const LAYOUT_FILE = 'layout.json';
const password = (): string => randomBytes(16).toString('hex');

function writeSecret(path: string, data: string): void {
  writeFileSync(path, data, { mode: 0o600 });
}

async function account(
  dir: string,
  id: string,
  root: string,
): Promise<DevnetAccount & { privateKey: Uint8Array }> {
  let privateKey: Uint8Array;
  do privateKey = new Uint8Array(randomBytes(32));
  while (privateKey.every((b) => b === 0));
  const address = addressFromPublicKey(publicKeyOf(privateKey));
  const keystorePassword = password();
  const path = join(dir, `${id}.keystore.json`);
  await writeKeystoreFile(path, privateKey, keystorePassword);
  writeSecret(join(dir, `${id}.password`), keystorePassword);
  return { id, address, keystorePath: relative(root, path), keystorePassword, privateKey };
}

/** Reads the layout of an existing devnet, or undefined when `.devnet` has none yet. */
export function readDevnetLayout(dir: string): DevnetLayout | undefined {
  const path = join(dir, LAYOUT_FILE);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as DevnetLayout;
}

export interface DevnetOptions {
  /** JSON-RPC port of node i is jsonrpcBase + i (default 9000, DESIGN §7). */
  readonly jsonrpcBase?: number;
  /** gRPC port of node i is grpcBase + i (default 7100). */
  readonly grpcBase?: number;
  /** The address node `from` dials to reach node `to` (tests put fault-injecting proxies in between). */
  readonly peerGrpc?: (from: number, to: number) => string;
  readonly baseTimeoutMs?: number;
}

/** Makes every file of a new devnet under `dir` (which must not hold one yet). */
export async function createDevnet(
  dir: string,
  projectRoot: string,
  now: Date,
  options: DevnetOptions = {},
): Promise<DevnetLayout> {
  const jsonrpcBase = options.jsonrpcBase ?? JSONRPC_BASE_PORT;
  const grpcBase = options.grpcBase ?? GRPC_BASE_PORT;
  const peerGrpc = options.peerGrpc ?? ((_from: number, to: number) => `127.0.0.1:${grpcBase + to}`);
  const staging = `${dir}.staging-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  const pki = join(staging, 'pki');
  const keys = join(staging, 'keys');
  const genesisDir = join(staging, 'genesis');
  for (const d of [pki, keys, genesisDir]) mkdirSync(d, { recursive: true });
  const final = (p: string): string => relative(projectRoot, join(dir, relative(staging, p)));

  const notBefore = new Date(now.getTime() - 3600_000);
  const root: IssuedCa = createRoot({ consortium: CONSORTIUM, curve: 'P-256', notBefore, validityYears: 20 });
  writeFileSync(join(pki, 'root.pem'), toPem(root.certificate, 'CERTIFICATE'));
  const rootPassword = password();
  writeSecret(join(pki, 'root.key'), encryptKey(root.privateKey, rootPassword));
  writeSecret(join(pki, 'root.password'), rootPassword);

  const admin = await account(keys, 'kofia-admin', staging);
  const firms = [await account(keys, 'firm-a', staging), await account(keys, 'firm-b', staging)];
  const validators: (DevnetAccount & { privateKey: Uint8Array; dir: string; index: number })[] = [];
  for (let i = 0; i < DEVNET_VALIDATORS; i++) {
    const nodeDir = join(staging, `node${i}`);
    mkdirSync(nodeDir, { recursive: true });
    const acct = await account(nodeDir, 'validator', staging);
    const ca = issueValidatorCa({
      root,
      consortium: CONSORTIUM,
      institution: `Devnet Validator ${i}`,
      address: acct.address,
      notBefore,
      validityYears: 5,
    });
    writeFileSync(join(nodeDir, 'validator-ca.pem'), toPem(ca.certificate, 'CERTIFICATE'));
    const caPassword = password();
    writeSecret(join(nodeDir, 'validator-ca.key'), encryptKey(ca.privateKey, caPassword));
    writeSecret(join(nodeDir, 'validator-ca.password'), caPassword);
    const tls = issueNodeCertificate({ root, consortium: CONSORTIUM, address: acct.address, notBefore });
    writeFileSync(join(nodeDir, 'tls.pem'), toPem(tls.certificate, 'CERTIFICATE'));
    writeSecret(join(nodeDir, 'tls.key'), plainKeyPem(tls.privateKey));
    validators.push({ ...acct, dir: nodeDir, index: i });
  }

  const timestamp = Number(BigInt(now.getTime()) * 1000n);
  const validatorEntries = validators.map((v) => ({
    name: `Devnet Validator ${v.index}`,
    address: v.address,
    caCertificate: { file: `../node${v.index}/validator-ca.pem` },
  }));
  const members = [
    { name: 'KOFIA', address: admin.address, roles: ['admin'] },
    { name: 'Firm A', address: firms[0]!.address, roles: ['ra'] },
    { name: 'Firm B', address: firms[1]!.address, roles: ['ra'] },
  ];
  const common = {
    timestamp,
    rootCertificate: { file: '../pki/root.pem' },
    validators: validatorEntries,
    members,
    threshold: 1,
    consensus: { leaderTerm: 1, baseTimeoutMs: options.baseTimeoutMs ?? 2000, maxTimeoutMs: 30000 },
  };
  const channels: { name: string; nid: string; scores: Record<string, string>; config: object }[] = [
    {
      name: 'kofia',
      nid: '0x3',
      scores: { governance: SCORES.governance, certificateAuthority: SCORES.certificateAuthority },
      config: {
        channel: 'kofia',
        nid: '0x3',
        ...common,
        pki: { consortium: CONSORTIUM, ocspUrl: 'http://127.0.0.1:8090/ocsp' },
        scores: [
          { name: 'governance', address: SCORES.governance, source: 'contracts/governance' },
          {
            name: 'certificateAuthority',
            address: SCORES.certificateAuthority,
            source: 'contracts/certificate-authority',
          },
        ],
      },
    },
    {
      name: 'chat',
      nid: '0x4',
      scores: { governance: SCORES.governance, chat: SCORES.chat },
      config: {
        channel: 'chat',
        nid: '0x4',
        ...common,
        scores: [
          { name: 'governance', address: SCORES.governance, source: 'contracts/governance' },
          { name: 'chat', address: SCORES.chat, source: 'contracts/chat' },
        ],
      },
    },
  ];
  for (const c of channels) {
    writeFileSync(join(genesisDir, `${c.name}.json`), `${JSON.stringify(c.config, null, 2)}\n`);
  }

  const nodes = validators.map((v) => {
    const config = {
      id: `node${v.index}`,
      dataDir: 'data',
      keystore: { path: 'validator.keystore.json', passwordFile: 'validator.password' },
      jsonrpc: { host: '127.0.0.1', port: jsonrpcBase + v.index },
      grpc: { host: '127.0.0.1', port: grpcBase + v.index },
      tls: { rootCert: '../pki/root.pem', cert: 'tls.pem', key: 'tls.key' },
      validatorCa: {
        cert: 'validator-ca.pem',
        key: 'validator-ca.key',
        passwordFile: 'validator-ca.password',
      },
      peers: validators
        .filter((o) => o !== v)
        .map((o) => ({ address: o.address, grpc: peerGrpc(v.index, o.index) })),
      channels: channels.map((c) => ({ genesis: `../genesis/${c.name}.json` })),
      logLevel: 'info',
    };
    writeFileSync(join(v.dir, 'node.json'), `${JSON.stringify(config, null, 2)}\n`);
    return {
      id: `node${v.index}`,
      address: v.address,
      keystorePath: final(join(staging, v.keystorePath)),
      keystorePassword: v.keystorePassword,
      config: final(join(v.dir, 'node.json')),
      jsonrpcPort: jsonrpcBase + v.index,
      grpcPort: grpcBase + v.index,
    };
  });
  const strip = (a: DevnetAccount & { privateKey: Uint8Array }): DevnetAccount => ({
    id: a.id,
    address: a.address,
    keystorePath: final(join(staging, a.keystorePath)),
    keystorePassword: a.keystorePassword,
  });
  const layout: DevnetLayout = {
    dir: relative(projectRoot, dir),
    nodes,
    firms: firms.map(strip),
    admin: strip(admin),
    rootCertPath: final(join(pki, 'root.pem')),
    channels: channels.map(({ name, nid, scores }) => ({ name, nid, scores })),
  };
  writeFileSync(join(staging, LAYOUT_FILE), `${JSON.stringify(layout, null, 2)}\n`);
  // All or nothing: a crash above leaves only the staging directory, which the next start replaces.
  renameSync(staging, dir);
  return layout;
}
