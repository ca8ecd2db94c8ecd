/**
 * The genesis config and buildGenesis: a valid config checks and builds; two builds are byte-identical and a
 * committed genesis reads back from storage with the governance SCORE initialized from the config; and each
 * kind of mistake is refused with its own precise, path-prefixed message — and only that message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '../../src/codec/hex.js';
import { blockHash, decodeBlock, validatorsHash, verifyBlockSignature } from '../../src/ledger/block.js';
import {
  buildGenesis,
  GenesisBuildError,
  genesisCommit,
  genesisContext,
  genesisSummary,
} from '../../src/genesis/build.js';
import { checkGenesisConfig, GenesisConfigError, type GenesisConfig } from '../../src/genesis/config.js';
import { configFiles } from '../../src/genesis/load.js';
import { PROJECT_ROOT } from '../../src/score/bundle.js';
import { CommittedState } from '../../src/score/overlay.js';
import { call } from '../../src/score/query.js';
import { CHAIN_CONFIG_KEY } from '../../src/score/state-layout.js';
import { ChannelStorage } from '../../src/storage/channel-storage.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import {
  address,
  ADMIN1,
  ADMIN2,
  ADMIN3,
  AUDITOR,
  CHAT,
  FIRM_A,
  GOVERNANCE,
  makeTestPki,
  OCSP,
  opensslFingerprint,
  p256Spki,
  V1,
  V2,
  V3,
  validRawConfig,
  type RawConfig,
  type TestPki,
} from '../helpers/genesis-fixture.js';

let pki: TestPki;

before(() => {
  pki = makeTestPki();
});

after(() => rmSync(pki.dir, { recursive: true, force: true }));

function check(raw: unknown): GenesisConfig {
  return checkGenesisConfig(raw, configFiles(join(pki.dir, 'genesis.json')));
}

function problemsOf(raw: unknown): readonly string[] {
  try {
    check(raw);
  } catch (e) {
    if (e instanceof GenesisConfigError) return e.problems;
    throw e;
  }
  assert.fail('the config was accepted');
}

/** A valid config with one change made by `edit`. */
function mutated(edit: (c: RawConfig) => void): RawConfig {
  const c = structuredClone(validRawConfig(pki));
  edit(c);
  return c;
}

describe('a valid genesis config', () => {
  test('checks into the typed config, with defaults and normal forms', () => {
    const c = check(validRawConfig(pki));
    assert.equal(c.channel, 'kofia');
    assert.equal(c.nid, '0x3');
    assert.equal(c.timestamp, BigInt(pki.timestamp));
    assert.deepEqual(
      c.validators.map((v) => v.address),
      [V1, V2, V3, ADMIN2],
    );
    assert.equal(c.validators[0]!.caCertificate?.subject, 'CN=Validator 1 CA, O=Test Consortium');
    assert.equal(c.validators[1]!.caCertificate, undefined);
    // Roles in governance's canonical order; SPKI hex normalised to 0x + lowercase.
    assert.deepEqual(c.members[1]!.roles, ['admin', 'ra']);
    assert.equal(c.responderKeys[0]!.publicKey, `0x${p256Spki(7)}`);
    // The owner of a SCORE defaults to the first admin.
    assert.equal(c.scores[0]!.owner, ADMIN1);
    assert.equal(c.scores[1]!.owner, FIRM_A);
    assert.equal(c.rootCertificate.fingerprintSha256, opensslFingerprint(pki.dir, 'root.pem'));
  });

  test('builds a height-0 block whose header commits to the config', async () => {
    const config = check(validRawConfig(pki));
    const g = await buildGenesis(config);
    const block = decodeBlock(g.blockBytes);
    verifyBlockSignature(block);
    const h = block.header!;
    assert.equal(h.height, 0);
    assert.equal(h.channel, 'kofia');
    assert.equal(h.timestamp, pki.timestamp);
    assert.equal(h.prevHash.length + h.proposer.length + block.signature.length, 0);
    assert.equal(h.justify, undefined);
    assert.deepEqual(g.blockHash, blockHash(h));
    assert.equal(
      bytesToHex(h.certLogRoot),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', // SHA-256 of nothing
    );
    assert.equal(h.certLogSize, 0);
    const accounts = [V1, V2, V3, ADMIN2].map((a) => new Uint8Array(Buffer.from(a.slice(2), 'hex')));
    assert.deepEqual(h.validatorsHash, validatorsHash(accounts));
    assert.deepEqual(h.nextValidatorsHash, h.validatorsHash);
    assert.deepEqual(h.stateRoot, g.state.stateRoot);
    assert.equal(g.receipts.length, 0);
    assert.deepEqual(g.scores, { governance: GOVERNANCE, chat: CHAT });
    const summary = genesisSummary(config, g);
    assert.equal(summary.blockHash, `0x${bytesToHex(g.blockHash)}`);
    assert.equal(summary.validators[0]!.caCertificateSha256, opensslFingerprint(pki.dir, 'validator-ca.pem'));
  });

  test('two builds are byte-identical; a different timestamp gives a different hash', async () => {
    const config = check(validRawConfig(pki));
    const [a, b] = await Promise.all([buildGenesis(config), buildGenesis(check(validRawConfig(pki)))]);
    assert.deepEqual(a!.blockBytes, b!.blockBytes);
    assert.deepEqual(a!.stateWrites, b!.stateWrites);
    const later = await buildGenesis(check(mutated((c) => (c.timestamp += 1))));
    assert.notDeepEqual(later.blockHash, a!.blockHash);
  });

  test('the genesis hash covers the root certificate, the nid and the consensus parameters', async () => {
    const base = await buildGenesis(check(validRawConfig(pki)));
    const record = JSON.parse(base.state.get(CHAIN_CONFIG_KEY) ?? 'null') as Record<string, unknown>;
    assert.equal(record.nid, '0x3');
    assert.equal(
      record.rootCertificate,
      Buffer.from(check(validRawConfig(pki)).rootCertificate.der).toString('base64'),
    );
    const variants = [
      mutated((c) => (c.nid = '0x4')),
      mutated((c) => ((c.consensus as { leaderTerm: number }).leaderTerm += 1)),
      mutated((c) => {
        c.rootCertificate = { pem: pki.otherRoot };
        c.validators[0].caCertificate = { pem: pki.otherValidatorCa };
      }),
    ];
    for (const raw of variants) {
      const g = await buildGenesis(check(raw));
      assert.notDeepEqual(g.blockHash, base.blockHash);
    }
  });

  test('commits through ChannelStorage, reads back, and governance holds the configured roles', async () => {
    const config = check(validRawConfig(pki));
    const g = await buildGenesis(config);
    const storage = new ChannelStorage(new MemoryStore(), 'kofia');
    assert.deepEqual(await storage.commitBlock(genesisCommit(g)), { height: 0, hash: g.blockHash });
    assert.deepEqual(await storage.blocks.getHashByHeight(0), g.blockHash);
    assert.deepEqual(await storage.blocks.getBlockBytes(g.blockHash), g.blockBytes);
    const stored = decodeBlock((await storage.blocks.getBlockBytes(g.blockHash))!);
    const state = await CommittedState.load(storage.state, {
      height: 0,
      stateRoot: stored.header!.stateRoot,
    });
    assert.equal(state.size, g.stateWrites.length);
    const ctx = genesisContext(config);
    const q = (method: string, params?: Record<string, string>): unknown =>
      call(state, { to: GOVERNANCE, method, ...(params === undefined ? {} : { params }) }, ctx);
    assert.equal(q('getThreshold'), '0x2');
    assert.deepEqual((q('getValidators') as { validators: string[] }).validators, [V1, V2, V3, ADMIN2]);
    for (const [who, role] of [
      [ADMIN1, 'admin'],
      [ADMIN2, 'validator'],
      [ADMIN2, 'ra'],
      [ADMIN3, 'admin'],
      [V1, 'validator'],
      [AUDITOR, 'auditor'],
      [OCSP, 'ocsp'],
    ] as const) {
      assert.equal(q('hasRole', { address: who, role }), '0x1', `${who} ${role}`);
    }
    assert.equal(q('hasRole', { address: FIRM_A, role: 'admin' }), '0x0');
    const keys = q('getResponderKeys', { offset: '0x0', limit: '0xa' }) as { items: { publicKey: string }[] };
    assert.deepEqual(
      keys.items.map((k) => k.publicKey),
      [`0x${p256Spki(7)}`],
    );
    // The chat built-in is active from genesis.
    assert.deepEqual(
      call(state, { to: CHAT, method: 'getMessages', params: { offset: '0x0', limit: '0x1' } }, ctx),
      {
        total: '0x0',
        items: [],
      },
    );
  });
});

describe('a config that checks but does not build', () => {
  const fixtures = join(PROJECT_ROOT, 'test/fixtures');
  const withSources = (governance: string, other: string): GenesisConfig =>
    checkGenesisConfig(
      mutated((c) => {
        c.scores[0].source = governance;
        c.scores[1].source = other;
      }),
      configFiles(join(pki.dir, 'genesis.json'), fixtures),
    );

  test('a governance SCORE whose on_install does not take the config: GENESIS_BUILD_FAILED', async () => {
    const config = withSources('contracts/fake-governance', 'contracts/counter');
    await assert.rejects(buildGenesis(config, { projectRoot: fixtures }), (e: unknown) => {
      assert.ok(e instanceof GenesisBuildError);
      assert.equal(e.code, 'GENESIS_BUILD_FAILED');
      assert.match(
        e.message,
        new RegExp(`cannot install the built-in SCORE ${GOVERNANCE}: on_install failed`),
      );
      return true;
    });
  });

  test('a built-in that does not bundle names the SCORE', async () => {
    const config = withSources('contracts/fake-governance', 'contracts/node-import');
    await assert.rejects(buildGenesis(config, { projectRoot: fixtures }), (e: unknown) => {
      assert.ok(e instanceof GenesisBuildError);
      assert.match(e.message, /^SCORE chat: cannot bundle .*Node builtin/);
      return true;
    });
  });
});

const notDer = '0x3059';
const SPKI_PATTERN = 'must be a DER SubjectPublicKeyInfo in hex (whole bytes, 0x optional)';

/** [what, edit, the exact problems (a RegExp for messages that carry OpenSSL's words)]. */
const BAD: [string, (c: RawConfig) => void, (string | RegExp)[]][] = [
  ['missing field', (c) => delete c.channel, ['channel: required']],
  ['unknown top-level field', (c) => (c.chainId = 1), ['chainId: unknown field']],
  ['unknown nested field', (c) => (c.validators[1].key = 'x'), ['validators[1].key: unknown field']],
  [
    'bad channel name',
    (c) => (c.channel = 'KOFIA'),
    ['channel: must be a channel name (a lowercase letter, then up to 31 lowercase letters, digits or "-")'],
  ],
  [
    'nid with a leading zero',
    (c) => (c.nid = '0x03'),
    ['nid: must be a network id as ICON hex, 0x1..0xffffffff without leading zeros (e.g. "0x3")'],
  ],
  [
    'bad validator address',
    (c) => (c.validators[2].address = V3.toUpperCase()),
    ['validators[2].address: must be an account address (hx + 40 lowercase hex digits)'],
  ],
  [
    'duplicate validator',
    (c) => (c.validators[2].address = V1),
    [`validators[2].address: ${V1} is already given at validators[0].address`],
  ],
  ['no validators', (c) => (c.validators = []), ['validators: must have at least 1 entry']],
  [
    'validators not a list',
    (c) => (c.validators = V1),
    ['validators: must be a list of validator institutions'],
  ],
  [
    'name with surrounding blanks',
    (c) => (c.members[3].name = 'Firm A '),
    ['members[3].name: must be a name of 1..64 characters without control characters or surrounding blanks'],
  ],
  [
    'duplicate member',
    (c) => (c.members[4].address = FIRM_A),
    [`members[4].address: ${FIRM_A} is already given at members[3].address`],
  ],
  [
    'validator named differently in members',
    (c) => (c.validators[3].name = 'Firm B Validator'),
    ['validators[3].name: "Firm B Validator" differs from members[1].name "Firm B" for the same address'],
  ],
  [
    'unknown role',
    (c) => (c.members[3].roles = ['ra', 'issuer']),
    ['members[3].roles[1]: "issuer" is not one of admin, validator, ra, ocsp, auditor'],
  ],
  [
    'repeated role',
    (c) => (c.members[3].roles = ['ra', 'ra']),
    ['members[3].roles: lists "ra" twice (entries 0 and 1)'],
  ],
  [
    'threshold above the number of admins',
    (c) => (c.threshold = 4),
    ['threshold: must be between 1 and the number of admins (3), is 4'],
  ],
  ['threshold zero', (c) => (c.threshold = 0), ['threshold: must be at least 1']],
  [
    'threshold as a string',
    (c) => (c.threshold = '0x2'),
    ['threshold: must be the number of admin approvals a proposal needs (an integer)'],
  ],
  [
    'no admin at all',
    (c) => {
      for (const m of c.members) m.roles = m.roles.filter((r: string) => r !== 'admin');
      c.threshold = 1;
    },
    ['members: no member has the admin role; a consortium needs at least one admin'],
  ],
  [
    'root certificate not a CA',
    (c) => (c.rootCertificate = { file: 'not-ca.pem' }),
    ['rootCertificate: not a CA certificate (basicConstraints cA is not set)'],
  ],
  [
    'root certificate not self-signed',
    (c) => (c.rootCertificate = { pem: pki.validatorCa }),
    [
      'rootCertificate: not self-signed: issued by "CN=Test Consortium Root, O=Test Consortium", ' +
        'not by its subject "CN=Validator 1 CA, O=Test Consortium"',
      // Without a usable root, the Validator CA cannot be checked against it: nothing more is said.
    ],
  ],
  [
    'root certificate garbage inside PEM armour',
    (c) => (c.rootCertificate = { pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
    [/^rootCertificate: not a valid X\.509 certificate \(.+\)$/],
  ],
  [
    'root certificate not PEM at all',
    (c) => (c.rootCertificate = { pem: 'hello' }),
    [
      'rootCertificate: must hold exactly one PEM certificate, found none (no "-----BEGIN CERTIFICATE-----" line)',
    ],
  ],
  [
    'root certificate file with two certificates',
    (c) => (c.rootCertificate = { pem: pki.root + pki.otherRoot }),
    ['rootCertificate: must hold exactly one PEM certificate, found 2'],
  ],
  [
    'root certificate file missing',
    (c) => (c.rootCertificate = { file: 'missing.pem' }),
    ['rootCertificate.file: cannot read "missing.pem": no such file'],
  ],
  [
    'root certificate both inline and by file',
    (c) => (c.rootCertificate = { file: 'root.pem', pem: pki.root }),
    ['rootCertificate: must be an object with exactly one of "file" (a PEM file) or "pem" (the PEM text)'],
  ],
  [
    'root certificate not valid at the genesis timestamp',
    (c) => (c.timestamp -= 86_400_000_000),
    [
      /^rootCertificate: not valid at the genesis timestamp .+ \(valid from .+ to .+\)$/,
      /^validators\[0\]\.caCertificate: not valid at the genesis timestamp /,
    ],
  ],
  [
    'validator CA issued by another root',
    (c) => (c.validators[0].caCertificate = { pem: pki.otherValidatorCa }),
    [
      'validators[0].caCertificate: not issued by the root certificate ("CN=Test Consortium Root, O=Test Consortium")',
    ],
  ],
  [
    'validator CA that is not a CA',
    (c) => (c.validators[0].caCertificate = { file: 'not-ca.pem' }),
    [
      'validators[0].caCertificate: not a CA certificate (basicConstraints cA is not set)',
      'validators[0].caCertificate: not issued by the root certificate ("CN=Test Consortium Root, O=Test Consortium")',
    ],
  ],
  [
    'timestamp in milliseconds',
    (c) => (c.timestamp = Math.floor(c.timestamp / 1000)),
    [
      /^timestamp: must be microseconds since the Unix epoch between 2000 and 2100, is \d+ \(this looks like milliseconds\)$/,
    ],
  ],
  [
    'timestamp in seconds',
    (c) => (c.timestamp = Math.floor(c.timestamp / 1_000_000)),
    [/^timestamp: .+ \(this looks like seconds\)$/],
  ],
  [
    'timestamp as a hex string with a leading zero',
    (c) => (c.timestamp = `0x0${c.timestamp.toString(16)}`),
    ['timestamp: a string must be ICON 0x-hex (lowercase, no leading zeros), e.g. "0x6296a3f6b2000"'],
  ],
  [
    'timestamp negative',
    (c) => (c.timestamp = -1),
    ['timestamp: must be a non-negative integer below 2^53 (use a 0x-hex string for exact values)'],
  ],
  [
    'timestamp not an integer',
    (c) => (c.timestamp += 0.5),
    ['timestamp: must be microseconds since the Unix epoch, as an integer or an ICON 0x-hex string'],
  ],
  [
    'SPKI with odd hex digits',
    (c) => (c.responderKeys[0].publicKey = '0x305'),
    [`responderKeys[0].publicKey: ${SPKI_PATTERN}`],
  ],
  [
    'SPKI bytes that are not DER',
    (c) => (c.responderKeys[0].publicKey = notDer),
    ['responderKeys[0].publicKey: not a DER SubjectPublicKeyInfo'],
  ],
  [
    'SPKI with trailing bytes',
    (c) => (c.responderKeys[0].publicKey = `${p256Spki(7)}00`),
    ['responderKeys[0].publicKey: not a canonical DER SubjectPublicKeyInfo (trailing or re-encoded bytes)'],
  ],
  [
    'SPKI of a secp256k1 key',
    (c) => (c.responderKeys[0].publicKey = p256Spki(7, 'secp256k1')),
    [
      'responderKeys[0].publicKey: an EC key on secp256k1; responder keys must be P-256, P-384, ' +
        'RSA of 2048 bits or more, or Ed25519',
    ],
  ],
  [
    'duplicate responder key',
    (c) => c.responderKeys.push({ ...c.responderKeys[0], name: 'ocsp-2', publicKey: p256Spki(7) }),
    [`responderKeys[1].publicKey: 0x${p256Spki(7)} is already given at responderKeys[0].publicKey`],
  ],
  [
    'more than 8 keys for one responder',
    (c) => {
      c.responderKeys = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((seed) => ({
        responder: OCSP,
        name: `ocsp-${seed}`,
        publicKey: p256Spki(seed),
      }));
    },
    [`responderKeys[8]: more than 8 keys for ${OCSP}`],
  ],
  [
    'responder without the ocsp role',
    (c) => (c.responderKeys[0].responder = FIRM_A),
    [`responderKeys[0].responder: ${FIRM_A} (members[3]) does not have the ocsp role`],
  ],
  [
    'responder that is not a member',
    (c) => (c.responderKeys[0].responder = V2),
    [`responderKeys[0].responder: ${V2} is not in members (it needs the ocsp role)`],
  ],
  [
    'consensus timeouts the wrong way round',
    (c) => (c.consensus.maxTimeoutMs = 500),
    ['consensus.maxTimeoutMs: must be at least baseTimeoutMs (1000), is 500'],
  ],
  ['consensus parameter missing', (c) => delete c.consensus.leaderTerm, ['consensus.leaderTerm: required']],
  [
    'duplicate SCORE address',
    (c) => (c.scores[1].address = GOVERNANCE),
    [`scores[1].address: ${GOVERNANCE} is already given at scores[0].address`],
  ],
  [
    'duplicate SCORE name',
    (c) => (c.scores[1].name = 'governance'),
    ['scores[1].name: governance is already given at scores[0].name'],
  ],
  [
    'missing governance',
    (c) => c.scores.shift(),
    ['scores: no "governance" entry; the governance SCORE is required'],
  ],
  [
    'SCORE at the deploy address',
    (c) => (c.scores[1].address = `cx${'0'.repeat(40)}`),
    [`scores[1].address: cx${'0'.repeat(40)} is reserved for deploy transactions`],
  ],
  [
    'SCORE source outside contracts/',
    (c) => (c.scores[1].source = '../etc'),
    ['scores[1].source: must be a contract directory under contracts/ (e.g. "contracts/governance")'],
  ],
  [
    'SCORE source that does not exist',
    (c) => (c.scores[1].source = 'contracts/certificate-authority-v9'),
    ['scores[1].source: contracts/certificate-authority-v9/index.ts does not exist'],
  ],
  [
    'SCORE owner not a member',
    (c) => (c.scores[1].owner = address('outsider')),
    [`scores[1].owner: ${address('outsider')} is not a member or validator institution`],
  ],
];

describe('a bad genesis config is refused with a precise message', () => {
  for (const [what, edit, expected] of BAD) {
    test(what, () => {
      const problems = problemsOf(mutated(edit));
      assert.equal(problems.length, expected.length, `got:\n  ${problems.join('\n  ')}`);
      expected.forEach((e, i) => {
        if (typeof e === 'string') assert.equal(problems[i], e);
        else assert.match(problems[i]!, e);
      });
    });
  }

  test('every mistake is listed, grouped by field in document order', () => {
    const problems = problemsOf(
      mutated((c) => {
        c.scores[1].address = GOVERNANCE;
        c.extra = true;
        c.channel = 'Bad Name';
        c.threshold = 9;
        c.responderKeys[0].publicKey = notDer;
      }),
    );
    assert.deepEqual(
      problems.map((p) => p.split(':')[0]),
      ['extra', 'channel', 'threshold', 'responderKeys[0].publicKey', 'scores[1].address'],
    );
  });

  test('not an object at all', () => {
    assert.deepEqual(problemsOf([]), ['config: must be a JSON object']);
  });
});
