/**
 * Node TLS certificates: the ceremony (issueNodeCertificate), `loopchain pki node-cert`, and how the network
 * layer reads a node id from a certificate (src/network/identity.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPki, type PkiIo } from '../../src/cli/pki.js';
import { createRoot, issueNodeCertificate, issueValidatorCa } from '../../src/pki/ceremony.js';
import { CeremonyError } from '../../src/pki/errors.js';
import { toPem } from '../../src/pki/tbs.js';
import { PeerTransportError } from '../../src/network/errors.js';
import { nodeIdOf, PeerIdentity } from '../../src/network/identity.js';

const ID = '5e'.repeat(20);
const NOW = Date.now();
const root = createRoot({
  consortium: 'Node Cert Test',
  curve: 'P-256',
  notBefore: new Date(NOW - 86_400_000),
});
const x509 = (der: Uint8Array) => new X509Certificate(Buffer.from(der));

describe('issueNodeCertificate', () => {
  const made = issueNodeCertificate({
    root,
    consortium: 'Node Cert Test',
    address: `hx${ID}`,
    hosts: ['node7.example.org', '10.1.2.3', 'fd00::7'],
    notBefore: new Date(NOW),
    validityDays: 30,
  });
  const cert = x509(made.certificate);

  test('a P-256 leaf under the root for TLS server and client, naming the node', () => {
    assert.equal(made.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(x509(root.certificate)));
    assert.ok(cert.verify(x509(root.certificate).publicKey));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.equal(
      cert.subjectAltName,
      'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost, DNS:node7.example.org, ' +
        `IP Address:10.1.2.3, IP Address:FD00:0:0:0:0:0:0:7, URI:urn:loopchain:node:hx${ID}`,
    );
    assert.equal(cert.subject, `O=Node Cert Test\nOU=nodes\nCN=node hx${ID}`);
    assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 30 * 86_400_000 - 1000);
    assert.ok(cert.checkHost('localhost'));
    assert.ok(cert.checkIP('127.0.0.1'));
    assert.equal(nodeIdOf(cert), ID);
  });

  test('PeerIdentity accepts it for both usages', () => {
    const identity = new PeerIdentity(toPem(root.certificate));
    assert.equal(identity.identify(made.certificate, 'client'), ID);
    assert.equal(identity.identify(made.certificate, 'server'), ID, 'cached per usage');
  });

  test('PeerIdentity refuses other roots, CA certificates and certificates without a node URI', () => {
    const other = createRoot({ consortium: 'Other', curve: 'P-256', notBefore: new Date(NOW - 86_400_000) });
    const identity = new PeerIdentity(toPem(other.certificate));
    assert.throws(() => identity.identify(made.certificate, 'client'), {
      code: 'BAD_CERTIFICATE',
      message: /not issued by the consortium root/,
    });
    const own = new PeerIdentity(toPem(root.certificate));
    assert.throws(() => own.identify(root.certificate, 'client'), {
      code: 'BAD_CERTIFICATE',
      message: /clientAuth/,
    });
    const vca = issueValidatorCa({
      root,
      consortium: 'Node Cert Test',
      institution: 'V',
      address: `hx${ID}`,
      notBefore: new Date(NOW),
    });
    assert.throws(
      () => nodeIdOf(x509(vca.certificate)),
      (e: unknown) => e instanceof PeerTransportError && /names no node/.test(e.message),
    );
    assert.throws(() => own.identifyPeer(undefined, 'client'), { message: /presented no certificate/ });
  });

  test('bad arguments are refused before anything is signed', () => {
    const base = { root, consortium: 'Node Cert Test', address: `hx${ID}`, notBefore: new Date(NOW) };
    const refuse = (o: Parameters<typeof issueNodeCertificate>[0], message: RegExp) =>
      assert.throws(
        () => issueNodeCertificate(o),
        (e: unknown) => e instanceof CeremonyError && e.code === 'BAD_ARGUMENT' && message.test(e.message),
      );
    refuse({ ...base, address: `hx${ID.toUpperCase()}` }, /hx \+ 40 lowercase hex/);
    refuse({ ...base, address: ID }, /hx \+ 40 lowercase hex/);
    refuse({ ...base, hosts: ['bad host'] }, /'bad host' is neither an IP address nor a DNS name/);
    refuse({ ...base, hosts: ['1::2::3'] }, /neither/);
    refuse({ ...base, validityDays: 0 }, /1\.\.3650/);
    refuse(
      { ...base, validityDays: 3650, notBefore: new Date(NOW + 20 * 365 * 86_400_000) },
      /outlive the root/,
    );
  });
});

describe('loopchain pki node-cert', () => {
  const PASS = 'correct horse battery staple';
  function io(): PkiIo & { stdout: string[]; stderr: string[] } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return {
      env: { ROOT_PASS: PASS },
      out: (s) => stdout.push(s),
      err: (s) => stderr.push(s),
      now: () => new Date(NOW - 60_000),
      stdout,
      stderr,
    };
  }

  async function withRoot(
    f: (dir: string, args: (over?: Record<string, string>) => string[]) => Promise<void>,
  ) {
    const dir = await mkdtemp(join(tmpdir(), 'node-cert-'));
    try {
      assert.equal(
        runPki(
          ['root', '--out', join(dir, 'root'), '--name', 'KOFIA Test', '--passphrase-env', 'ROOT_PASS'],
          io(),
        ),
        0,
      );
      await writeFile(join(dir, 'pass.txt'), `${PASS}\n`);
      const args = (over: Record<string, string> = {}) =>
        Object.entries({
          'root-cert': join(dir, 'root', 'root.pem'),
          'root-key': join(dir, 'root', 'root.key.pem'),
          'root-password-file': join(dir, 'pass.txt'),
          address: `hx${ID}`,
          out: join(dir, 'node'),
          ...over,
        }).flatMap(([k, v]) => [`--${k}`, v]);
      await f(dir, args);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test('writes node.pem and an unencrypted node.key.pem of mode 0600 under the root', async () => {
    await withRoot(async (dir, args) => {
      const o = io();
      assert.equal(
        runPki(['node-cert', ...args({ hosts: 'n1.example.org,10.0.0.9' })], o),
        0,
        o.stderr.join(''),
      );
      assert.match(o.stdout.join(''), /node TLS certificate for hx5e5e.*SHA-256 fingerprint/);
      const cert = new X509Certificate(await readFile(join(dir, 'node', 'node.pem')));
      const rootCert = new X509Certificate(await readFile(join(dir, 'root', 'root.pem')));
      assert.ok(cert.verify(rootCert.publicKey));
      assert.match(
        cert.subjectAltName ?? '',
        /DNS:n1\.example\.org, IP Address:10\.0\.0\.9, URI:urn:loopchain:node:hx5e/,
      );
      assert.match(cert.subject, /O=KOFIA Test/);
      const keyPem = await readFile(join(dir, 'node', 'node.key.pem'), 'utf8');
      assert.ok(cert.checkPrivateKey(createPrivateKey(keyPem)));
      assert.equal((await stat(join(dir, 'node', 'node.key.pem'))).mode & 0o777, 0o600);
      const again = io();
      assert.equal(runPki(['node-cert', ...args()], again), 1, 'never overwrites');
      assert.match(again.stderr.join(''), /refusing to overwrite .*\(EXISTS\)/);
    });
  });

  test('precise errors and exit codes', async () => {
    await withRoot(async (dir, args) => {
      const run = (a: string[]) => {
        const o = io();
        return { code: runPki(['node-cert', ...a], o), err: o.stderr.join('') };
      };
      await writeFile(join(dir, 'wrong.txt'), 'a wrong passphrase here\n');
      assert.deepEqual(run(args({ 'root-password-file': join(dir, 'wrong.txt') })), {
        code: 1,
        err: 'loopchain pki node-cert: the key file cannot be decrypted with this passphrase (BAD_PASSPHRASE)\n',
      });
      await writeFile(join(dir, 'short.txt'), 'short\n');
      assert.equal(run(args({ 'root-password-file': join(dir, 'short.txt') })).code, 1);
      assert.match(
        run(args({ 'root-cert': join(dir, 'missing.pem') })).err,
        /cannot read --root-cert .*missing\.pem.*\(BAD_FILE\)/,
      );
      assert.deepEqual(run(args({ address: 'hx1234' })), {
        code: 2,
        err: 'loopchain pki node-cert: the node address must be hx + 40 lowercase hex digits (BAD_ARGUMENT)\n',
      });
      assert.equal(
        run(args().slice(0, 8)).err,
        'loopchain pki node-cert: --out is required (BAD_ARGUMENT)\n',
      );
      assert.equal(run([...args(), '--bogus', 'x']).code, 2);
      assert.match(run(args({ hosts: 'ok.example,not valid' })).err, /'not valid' is neither/);
    });
  });
});
