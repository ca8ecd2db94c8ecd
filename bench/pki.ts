/**
 * Certificate issuance per block (issue 5, DESIGN §9): certificates per second on the proposer path (TBS
 * building + signing with the block key + checking the signature, plus the block's issuer key and issuer
 * certificate) and on the validator path (TBS building + checking the recorded signature, plus checking the
 * issuer certificate), next to TBS building alone and @peculiar/x509 building the same profile.
 */
import 'reflect-metadata';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  ProposerBlockIssuer,
  ValidatingBlockIssuer,
  parentCa,
  type BlockSigner,
  type Random,
} from '../src/pki/block-issuer.js';
import { createRoot, issueValidatorCa } from '../src/pki/ceremony.js';
import { BlockTbsBuilder, type BlockProfile } from '../src/pki/tbs.js';
import { blockIssuerName, POLICY_END_ENTITY } from '../src/pki/profiles.js';
import { measure, time, type Result } from './harness.js';

const CERTS_PER_BLOCK = 500;
const PECULIAR_CERTS = 200;

export async function benchPki(): Promise<Result[]> {
  const now = new Date();
  const consortium = 'KOFIA Joint Authentication';
  const root = createRoot({ consortium, notBefore: now });
  const vca = issueValidatorCa({
    root,
    consortium,
    institution: 'Validator One',
    address: `hx${'ab'.repeat(20)}`,
    notBefore: now,
  });
  const validatorCa = parentCa(vca.certificate);
  const profile: BlockProfile = {
    channel: 'kofia',
    height: 1000n,
    parentHash: new Uint8Array(32).fill(9),
    blockTimeUs: BigInt(now.getTime()) * 1000n,
    consortium,
    ocspUrl: 'http://127.0.0.1:8090/ocsp',
  };
  // Distinct customer keys, as in a real block (the SPKI and its key id differ per certificate).
  const spkis = Array.from(
    { length: CERTS_PER_BLOCK },
    () =>
      new Uint8Array(
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }),
      ),
  );
  const random: Random = { bytes: (n) => new Uint8Array(webcrypto.getRandomValues(new Uint8Array(n))) };
  const issueAll = (s: BlockSigner): void => {
    for (let i = 0; i < CERTS_PER_BLOCK; i++) {
      const { tbs } = s.builder().endEntity({
        txHash: Uint8Array.of(i & 0xff, i >> 8, ...new Uint8Array(30)),
        index: 0,
        firm: i % 2 ? 'Firm A Securities' : 'Firm B Securities',
        subjectId: `ps_${i.toString(16).padStart(16, '0')}`,
        spki: spkis[i]!,
        validityDays: 1095,
      });
      s.sign(tbs);
    }
  };

  const note = `${CERTS_PER_BLOCK} certificates per block, P-256 block key`;
  let record = (() => {
    const p = new ProposerBlockIssuer(profile, { validatorCa, validatorCaKey: vca.privateKey, random });
    issueAll(p);
    return p.finish()!;
  })();
  const proposer = await measure(
    'PKI proposer path: TBS build + sign + self-check',
    'certs/s',
    5,
    () => {
      const p = new ProposerBlockIssuer(profile, { validatorCa, validatorCaKey: vca.privateKey, random });
      const { ms } = time(() => issueAll(p));
      record = p.finish()!;
      return { ops: CERTS_PER_BLOCK, ms };
    },
    `${note}; includes the block's issuer key and certificate`,
  );
  const validator = await measure(
    'PKI validator path: TBS build + verify recorded signature',
    'certs/s',
    5,
    () => {
      const v = new ValidatingBlockIssuer(profile, record, { validatorCa });
      const { ms } = time(() => {
        issueAll(v);
        v.finish();
      });
      return { ops: CERTS_PER_BLOCK, ms };
    },
    `${note}; includes checking the issuer certificate; target ≥ 3,000/s`,
  );
  const builder = new BlockTbsBuilder(profile, {
    name: blockIssuerName(consortium, 'kofia', 1000n),
    keyId: new Uint8Array(20),
  });
  const tbsOnly = await measure('PKI TBS building alone (hand-written DER)', 'certs/s', 5, () => {
    const { ms } = time(() => {
      for (let i = 0; i < CERTS_PER_BLOCK; i++) {
        builder.endEntity({
          txHash: new Uint8Array(32),
          index: i,
          firm: 'Firm A Securities',
          subjectId: 'ps_0123456789abcdef',
          spki: spkis[i]!,
          validityDays: 1095,
        });
      }
    });
    return { ops: CERTS_PER_BLOCK, ms };
  });

  // @peculiar/x509: the same end-entity profile, from the same inputs.
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const issuerKeys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + 1095 * 86_400_000 - 1000);
  const exts = (spki: Uint8Array): x509.Extension[] => [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
      true,
    ),
    new x509.CertificatePolicyExtension([POLICY_END_ENTITY]),
    new x509.AuthorityInfoAccessExtension({ ocsp: [profile.ocspUrl] }),
    new x509.AuthorityKeyIdentifierExtension('00'.repeat(20)),
    new x509.SubjectKeyIdentifierExtension(Buffer.from(spki.subarray(-20)).toString('hex')),
  ];
  const common = (i: number) => ({
    serialNumber: (0x10 + (i % 0x60)).toString(16) + '00'.repeat(15),
    issuer: `O=${consortium}, OU=channel kofia, CN=Block Issuer CA kofia 1000`,
    subject: `O=${consortium}, OU=Firm A Securities, CN=ps_${i.toString(16).padStart(16, '0')}`,
    notBefore,
    notAfter,
    publicKey: spkis[i]!,
    extensions: exts(spkis[i]!),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const dummySig = new Uint8Array(72).fill(1);
  const peculiarBuild = await measure(
    '@peculiar/x509 building alone (given signature)',
    'certs/s',
    3,
    async () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < PECULIAR_CERTS; i++)
        await x509.X509CertificateGenerator.create({ ...common(i), signature: dummySig });
      return { ops: PECULIAR_CERTS, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
    },
    'the same end-entity profile; no signing',
  );
  const peculiarSign = await measure(
    '@peculiar/x509 building + WebCrypto signing',
    'certs/s',
    3,
    async () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < PECULIAR_CERTS; i++) {
        await x509.X509CertificateGenerator.create({ ...common(i), signingKey: issuerKeys.privateKey });
      }
      return { ops: PECULIAR_CERTS, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
    },
    'compare with the proposer path',
  );
  return [proposer, validator, tbsOnly, peculiarBuild, peculiarSign];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchPki())
    process.stdout.write(
      `${r.name}: ${Math.round(r.median)} ${r.unit} (${Math.round(r.min)}–${Math.round(r.max)})\n`,
    );
}
