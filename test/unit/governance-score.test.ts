/**
 * The governance SCORE against an in-memory bridge: genesis initialization, proposals with a 2-of-3 admin
 * threshold, every proposal kind, the deployment audit, the readonly queries, and each refusal with its code
 * (a refused transaction also leaves storage, events and system calls untouched; see FakeBridge.expectRevert).
 */
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import GovernanceScore from '../../contracts/governance/index.js';
import { account, FakeBridge } from '../helpers/fake-bridge.js';

const A1 = account(0xa1);
const A2 = account(0xa2);
const A3 = account(0xa3);
const RA = account(0x10);
const RA2 = account(0x11);
const OCSP = account(0x30);
const AUDITOR = account(0x40);
const V1 = account(0x21);
const V2 = account(0x22);
const V3 = account(0x23);
const V4 = account(0x24);
const OUTSIDER = account(0x99);
const GENESIS = account(0);
const SCORE_A = `cx${'a'.repeat(40)}`;

/** A real P-256 SubjectPublicKeyInfo (DER, hex without 0x) from a fixed private key. */
function spki(seed: number): string {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.alloc(32, seed));
  return `3059301306072a8648ce3d020106082a8648ce3d030107034200${ecdh.getPublicKey('hex')}`;
}
const KEY1 = `0x${spki(1)}`;
const KEY2 = `0x${spki(2)}`;
const KEY3 = `0x${spki(3)}`;

function genesisConfig(): Record<string, unknown> {
  return {
    threshold: '0x2',
    members: [
      { address: A1, name: 'KOFIA', roles: ['admin'] },
      { address: A2, name: 'Firm A', roles: ['admin', 'ra'] },
      { address: A3, name: 'Firm B', roles: ['admin', 'ra'] },
      { address: RA, name: 'Firm C', roles: ['ra'] },
      { address: OCSP, name: 'OCSP Co', roles: ['ocsp'] },
      { address: AUDITOR, name: 'Audit Co', roles: ['auditor'] },
      { address: V1, name: 'Validator 1', roles: ['validator'] },
      { address: V2, name: 'Validator 2', roles: ['validator'] },
      { address: V3, name: 'Validator 3', roles: ['validator'] },
      { address: V4, name: 'Validator 4', roles: ['validator'] },
    ],
    validatorSet: [V1, V2, V3],
    responderKeys: [{ responder: OCSP, publicKey: KEY1, name: 'ocsp-1' }],
  };
}

let bridge: FakeBridge;
let gov: GovernanceScore;

beforeEach(() => {
  bridge = new FakeBridge().install();
  gov = new GovernanceScore();
  bridge.tx(GENESIS, () => gov.on_install(genesisConfig()));
});

/** Every event a test saw must be declared in the api with its shape; `after` checks each was seen. */
const seenEvents = new Set<string>();
afterEach(() => {
  bridge.uninstall();
  for (const e of bridge.events) {
    const spec = GovernanceScore.api.events[e.event];
    assert.ok(spec !== undefined, `${e.event} is declared`);
    assert.equal(e.indexed.length, spec.indexed.length, `${e.event} indexed values`);
    assert.equal(e.data.length, spec.data.length, `${e.event} data values`);
    seenEvents.add(e.event);
  }
});
after(() => {
  assert.deepEqual([...seenEvents].sort(), Object.keys(GovernanceScore.api.events).sort());
});

/** Proposes as A1 and returns the id. */
function propose(kind: string, payload: unknown, by = A1): bigint {
  return bridge.tx(by, () => gov.propose(kind, payload));
}

function status(id: bigint): string {
  return bridge.query(() => gov.getProposal(id)).status;
}

function roles(address: string): readonly string[] {
  return bridge.query(() => gov.getMember(address)).roles;
}

describe('on_install (genesis)', () => {
  test('sets members, roles, threshold, validators and responder keys, with events', () => {
    assert.equal(
      bridge.query(() => gov.getThreshold()),
      2n,
    );
    assert.deepEqual(
      bridge.query(() => gov.getMember(A2)),
      {
        address: A2,
        name: 'Firm A',
        roles: ['admin', 'ra'],
        admittedAt: 10n,
      },
    );
    assert.equal(bridge.query(() => gov.getMembers(0n, 100n)).total, 10n);
    assert.deepEqual(
      bridge.query(() => gov.getValidators()),
      { fromHeight: 0n, validators: [V1, V2, V3], scheduled: [] },
    );
    assert.deepEqual(bridge.query(() => gov.getResponderKeys(0n, 10n)).items, [
      { id: 1n, responder: OCSP, publicKey: KEY1, name: 'ocsp-1', status: 'active', registeredAt: 10n },
    ]);
    const names = bridge.events.map((e) => e.event);
    assert.equal(names.filter((n) => n === 'MemberAdmitted').length, 10);
    assert.deepEqual(bridge.events[1], {
      score: bridge.ctx.address,
      event: 'MemberAdmitted',
      indexed: [A2],
      data: ['Firm A', 'admin,ra'],
    });
    assert.deepEqual(bridge.events.at(-2)?.indexed, ['0x1', OCSP]);
    assert.deepEqual(bridge.eventsSince(bridge.events.length - 1), [
      ['Initialized', [], ['0x2', '0xa', [V1, V2, V3].join(',')]],
    ]);
  });

  test('can be called only once', () => {
    bridge.expectRevert(GENESIS, () => gov.on_install(genesisConfig()), 'ALREADY_INITIALIZED');
    bridge.expectRevert(A1, () => gov.on_install(genesisConfig()), 'ALREADY_INITIALIZED');
  });

  test('the admins shorthand adds the admin role; an int may be a JSON number; optional lists may be left out', () => {
    const fresh = new FakeBridge().install();
    try {
      const g = new GovernanceScore();
      fresh.tx(GENESIS, () =>
        g.on_install({
          admins: [A1, A2],
          threshold: 2,
          members: [
            { address: A1, name: 'KOFIA', roles: [] },
            { address: A2, name: 'Firm A', roles: ['ra', 'admin'] },
          ],
        }),
      );
      assert.deepEqual(fresh.query(() => g.getMember(A1)).roles, ['admin']);
      assert.deepEqual(fresh.query(() => g.getMember(A2)).roles, ['admin', 'ra']);
      assert.equal(
        fresh.query(() => g.getThreshold()),
        2n,
      );
      assert.deepEqual(fresh.query(() => g.getValidators()).validators, []);
    } finally {
      fresh.uninstall();
    }
  });

  test('the largest genesis config and validator change stay within the host limits (events, value sizes)', () => {
    const fresh = new FakeBridge().install();
    try {
      const g = new GovernanceScore();
      const addr = (i: number) => account(0x1000 + i);
      const validators = Array.from({ length: 64 }, (_, i) => addr(i));
      const responders = Array.from({ length: 7 }, (_, i) => addr(100 + i));
      fresh.tx(GENESIS, () =>
        g.on_install({
          threshold: '0x1',
          members: Array.from({ length: 200 }, (_, i) => ({
            address: addr(i),
            name: `Member ${i} ${'x'.repeat(50)}`.slice(0, 64),
            roles:
              i < 64 ? ['validator'] : i === 199 ? ['admin', 'ra', 'ocsp', 'auditor', 'validator'] : ['ocsp'],
          })),
          validatorSet: validators,
          responderKeys: Array.from({ length: 50 }, (_, i) => ({
            responder: responders[i % 7],
            publicKey: spki(i + 1),
            name: `key ${i}`,
          })),
        }),
      );
      assert.equal(fresh.events.length, 251);
      fresh.tx(addr(199), () =>
        g.propose('changeValidators', { validators: [...validators].reverse(), fromHeight: '0x100' }),
      );
      assert.deepEqual(
        fresh.query(() => g.getValidators()).scheduled[0]?.validators,
        [...validators].reverse(),
      );
    } finally {
      fresh.uninstall();
    }
  });

  const m = (address: string, r: unknown = ['admin'], name: unknown = 'Firm') => ({
    address,
    name,
    roles: r,
  });
  const bad: [string, unknown, string, RegExp][] = [
    ['not an object', [1], 'INVALID_CONFIG', /^config: must be an object/],
    ['no threshold', { members: [m(A1)] }, 'INVALID_CONFIG', /^threshold: required/],
    [
      'an unknown field',
      { threshold: '0x1', members: [m(A1)], admin: [] },
      'INVALID_CONFIG',
      /^admin: unexpected/,
    ],
    ['no members', { threshold: '0x1', members: [] }, 'INVALID_CONFIG', /^members: must have 1\.\.200/],
    ['members not a list', { threshold: '0x1', members: {} }, 'INVALID_CONFIG', /^members: must be a list/],
    [
      'a bad address',
      { threshold: '0x1', members: [m(A1), m('hx12')] },
      'INVALID_CONFIG',
      /^members\[1\]\.address/,
    ],
    [
      'an upper-case address',
      { threshold: '0x1', members: [m(A1.toUpperCase())] },
      'INVALID_CONFIG',
      /address/,
    ],
    ['a cx address', { threshold: '0x1', members: [m(SCORE_A)] }, 'INVALID_CONFIG', /^members\[0\]\.address/],
    [
      'an empty name',
      { threshold: '0x1', members: [m(A1, ['admin'], '')] },
      'INVALID_CONFIG',
      /members\[0\]\.name/,
    ],
    [
      'a padded name',
      { threshold: '0x1', members: [m(A1, ['admin'], ' A ')] },
      'INVALID_CONFIG',
      /\.name: no/,
    ],
    [
      'a long name',
      { threshold: '0x1', members: [m(A1, ['admin'], 'x'.repeat(65))] },
      'INVALID_CONFIG',
      /1\.\.64/,
    ],
    [
      'roles not a list',
      { threshold: '0x1', members: [m(A1, 'admin')] },
      'INVALID_CONFIG',
      /\.roles: must be a list/,
    ],
    [
      'an unknown role',
      { threshold: '0x1', members: [m(A1, ['root'])] },
      'UNKNOWN_ROLE',
      /members\[0\]\.roles\[0\]/,
    ],
    [
      'a duplicate role',
      { threshold: '0x1', members: [m(A1, ['admin', 'admin'])] },
      'INVALID_CONFIG',
      /duplicate/,
    ],
    [
      'a member listed twice',
      { threshold: '0x1', members: [m(A1), m(A1)] },
      'INVALID_CONFIG',
      /listed twice/,
    ],
    [
      'an admin who is no member',
      { threshold: '0x1', admins: [A2], members: [m(A1)] },
      'INVALID_CONFIG',
      /^admins\[0\]/,
    ],
    ['no admin', { threshold: '0x1', members: [m(A1, ['ra'])] }, 'INVALID_CONFIG', /no member has the admin/],
    [
      'threshold 0',
      { threshold: '0x0', members: [m(A1)] },
      'INVALID_CONFIG',
      /^threshold: must be between 1 and/,
    ],
    ['threshold above admins', { threshold: '0x2', members: [m(A1)] }, 'INVALID_CONFIG', /\(1\), is 2/],
    [
      'a fractional threshold',
      { threshold: 1.5, members: [m(A1)] },
      'INVALID_CONFIG',
      /^threshold: must be a non/,
    ],
    ['a decimal-string threshold', { threshold: '2', members: [m(A1)] }, 'INVALID_CONFIG', /^threshold:/],
    ['a zero-padded hex threshold', { threshold: '0x01', members: [m(A1)] }, 'INVALID_CONFIG', /^threshold:/],
    [
      'too many members',
      { threshold: '0x1', members: Array.from({ length: 201 }, (_, i) => m(account(0x1000 + i))) },
      'INVALID_CONFIG',
      /^members: must have 1\.\.200 entries, has 201/,
    ],
    [
      'more than 8 keys for one responder',
      {
        threshold: '0x1',
        members: [m(A1, ['admin', 'ocsp'])],
        responderKeys: Array.from({ length: 9 }, (_, i) => ({
          responder: A1,
          publicKey: spki(i + 1),
          name: 'k',
        })),
      },
      'INVALID_CONFIG',
      /^responderKeys\[8\]: more than 8 keys/,
    ],
    [
      'a validator without the role',
      { threshold: '0x1', members: [m(A1)], validatorSet: [A1] },
      'INVALID_CONFIG',
      /^validatorSet\[0\]: .* validator role/,
    ],
    [
      'an empty validator set',
      { threshold: '0x1', members: [m(A1)], validatorSet: [] },
      'INVALID_CONFIG',
      /^validatorSet: must have 1\.\.64/,
    ],
    [
      'a validator listed twice',
      { threshold: '0x1', members: [m(A1, ['admin', 'validator'])], validatorSet: [A1, A1] },
      'INVALID_CONFIG',
      /^validatorSet: duplicate/,
    ],
    [
      'a responder key of a non-responder',
      { threshold: '0x1', members: [m(A1)], responderKeys: [{ responder: A1, publicKey: KEY1, name: 'k' }] },
      'INVALID_CONFIG',
      /^responderKeys\[0\]\.responder: .* ocsp role/,
    ],
    [
      'a responder key that is not DER',
      {
        threshold: '0x1',
        members: [m(A1, ['admin', 'ocsp'])],
        responderKeys: [{ responder: A1, publicKey: '0x3003020100ff', name: 'k' }],
      },
      'INVALID_CONFIG',
      /^responderKeys\[0\]\.publicKey: not a DER SubjectPublicKeyInfo/,
    ],
    [
      'a responder key listed twice',
      {
        threshold: '0x1',
        members: [m(A1, ['admin', 'ocsp'])],
        responderKeys: [
          { responder: A1, publicKey: KEY1, name: 'k' },
          { responder: A1, publicKey: KEY1.toUpperCase().replace('0X', ''), name: 'k2' },
        ],
      },
      'INVALID_CONFIG',
      /^responderKeys\[1\]\.publicKey: listed twice/,
    ],
  ];
  for (const [what, config, code, message] of bad) {
    test(`refuses a config with ${what}: ${code}`, () => {
      const fresh = new FakeBridge().install();
      try {
        fresh.expectRevert(GENESIS, () => new GovernanceScore().on_install(config), code, message);
        assert.equal(fresh.store.size, 0);
      } finally {
        fresh.uninstall();
      }
    });
  }
});

describe('proposals: 2 of 3 admins', () => {
  test('admitMember: created with the proposer approval, executed at the second approval', () => {
    const payload = { address: RA2, name: 'Firm D', roles: ['ra'] };
    const mark = bridge.events.length;
    const id = propose('admitMember', payload);
    assert.equal(id, 1n);
    assert.deepEqual(bridge.eventsSince(mark), [
      ['ProposalCreated', ['0x1', 'admitMember', A1], [JSON.stringify(payload)]],
      ['ProposalApproved', ['0x1', A1], ['0x1', '0x2']],
    ]);
    assert.equal(
      bridge.query(() => gov.isMember(RA2)),
      false,
    );
    assert.equal(status(id), 'pending');

    bridge.expectRevert(A1, () => gov.approve(id), 'ALREADY_APPROVED');

    bridge.atHeight(11n);
    const mark2 = bridge.events.length;
    bridge.tx(A2, () => gov.approve(id));
    assert.deepEqual(bridge.eventsSince(mark2), [
      ['ProposalApproved', ['0x1', A2], ['0x2', '0x2']],
      ['MemberAdmitted', [RA2], ['Firm D', 'ra']],
      ['ProposalExecuted', ['0x1', 'admitMember'], []],
    ]);
    assert.deepEqual(
      bridge.query(() => gov.getMember(RA2)),
      {
        address: RA2,
        name: 'Firm D',
        roles: ['ra'],
        admittedAt: 11n,
      },
    );
    assert.deepEqual(
      bridge.query(() => gov.getProposal(id)),
      {
        id: 1n,
        kind: 'admitMember',
        payload,
        proposer: A1,
        status: 'executed',
        approvals: [A1, A2],
        rejections: [],
        createdAt: 10n,
        closedAt: 11n,
      },
    );
    bridge.expectRevert(A3, () => gov.approve(id), 'PROPOSAL_CLOSED', /already executed/);
    bridge.expectRevert(A2, () => gov.approve(id), 'PROPOSAL_CLOSED');
  });

  test('only admins propose, approve, reject and execute', () => {
    const id = propose('grantRole', { address: RA, role: 'ocsp' });
    for (const who of [RA, AUDITOR, V1, OUTSIDER]) {
      bridge.expectRevert(who, () => gov.propose('grantRole', { address: RA, role: 'auditor' }), 'NOT_ADMIN');
      bridge.expectRevert(who, () => gov.approve(id), 'NOT_ADMIN');
      bridge.expectRevert(who, () => gov.reject(id, 'no'), 'NOT_ADMIN');
      bridge.expectRevert(who, () => gov.execute(id), 'NOT_ADMIN');
    }
    assert.equal(status(id), 'pending');
  });

  test('an unknown proposal id or kind is refused', () => {
    bridge.expectRevert(A1, () => gov.approve(7n), 'UNKNOWN_PROPOSAL');
    bridge.expectRevert(A1, () => gov.reject(7n, 'no'), 'UNKNOWN_PROPOSAL');
    bridge.expectRevert(A1, () => gov.execute(7n), 'UNKNOWN_PROPOSAL');
    bridge.expectQueryRevert(() => gov.getProposal(7n), 'UNKNOWN_PROPOSAL');
    bridge.expectRevert(A1, () => gov.propose('mintCoins', {}), 'UNKNOWN_PROPOSAL_KIND', /mintCoins/);
  });

  test('grantRole and revokeRole', () => {
    bridge.tx(A2, () => gov.approve(propose('grantRole', { address: RA, role: 'ocsp' })));
    assert.deepEqual(roles(RA), ['ra', 'ocsp']);
    assert.deepEqual(bridge.eventsSince(bridge.events.length - 2)[0], ['RoleGranted', [RA, 'ocsp'], []]);
    bridge.tx(A3, () => gov.approve(propose('revokeRole', { address: RA, role: 'ra' })));
    assert.deepEqual(roles(RA), ['ocsp']);
    assert.deepEqual(bridge.eventsSince(bridge.events.length - 2)[0], ['RoleRevoked', [RA, 'ra'], []]);
    assert.equal(
      bridge.query(() => gov.hasRole(RA, 'ra')),
      false,
    );
  });

  test('a new admin counts towards the threshold at once', () => {
    bridge.tx(A2, () => gov.approve(propose('grantRole', { address: RA, role: 'admin' })));
    const id = propose('grantRole', { address: RA, role: 'auditor' }, RA);
    bridge.tx(A3, () => gov.approve(id));
    assert.equal(status(id), 'executed');
  });

  test('removeMember: swap-removes from the list and retires the responder keys it held', () => {
    const mark = bridge.events.length;
    bridge.tx(A2, () => gov.approve(propose('removeMember', { address: OCSP })));
    assert.deepEqual(bridge.eventsSince(mark).slice(3, 5), [
      ['ResponderKeyRetired', ['0x1', OCSP], [KEY1]],
      ['MemberRemoved', [OCSP], ['OCSP Co']],
    ]);
    assert.equal(
      bridge.query(() => gov.isMember(OCSP)),
      false,
    );
    bridge.expectQueryRevert(() => gov.getMember(OCSP), 'NOT_MEMBER');
    const page = bridge.query(() => gov.getMembers(0n, 100n));
    assert.equal(page.total, 9n);
    assert.deepEqual(
      page.items.map((x) => x.address),
      [A1, A2, A3, RA, V4, AUDITOR, V1, V2, V3],
    );
    assert.equal(bridge.query(() => gov.getResponderKeys(0n, 10n)).items[0]?.status, 'retired');
  });

  test('registerResponderKey and retireResponderKey (by key or by id)', () => {
    const mark = bridge.events.length;
    bridge.tx(A2, () =>
      gov.approve(
        propose('registerResponderKey', {
          responder: OCSP,
          publicKey: spki(2).toUpperCase(),
          name: 'ocsp-2',
        }),
      ),
    );
    assert.deepEqual(bridge.eventsSince(mark)[3], [
      'ResponderKeyRegistered',
      ['0x2', OCSP],
      [KEY2, 'ocsp-2'],
    ]);
    bridge.atHeight(12n);
    bridge.tx(A3, () => gov.approve(propose('retireResponderKey', { publicKey: KEY1 })));
    bridge.tx(A3, () => gov.approve(propose('retireResponderKey', { id: '0x2' })));
    assert.deepEqual(
      bridge.query(() => gov.getResponderKeys(0n, 10n)),
      {
        total: 2n,
        items: [
          {
            id: 1n,
            responder: OCSP,
            publicKey: KEY1,
            name: 'ocsp-1',
            status: 'retired',
            registeredAt: 10n,
            retiredAt: 12n,
          },
          {
            id: 2n,
            responder: OCSP,
            publicKey: KEY2,
            name: 'ocsp-2',
            status: 'retired',
            registeredAt: 10n,
            retiredAt: 12n,
          },
        ],
      },
    );
    bridge.expectRevert(A1, () => gov.propose('retireResponderKey', { id: '0x1' }), 'RESPONDER_KEY_RETIRED');
    bridge.expectRevert(
      A1,
      () => gov.propose('registerResponderKey', { responder: OCSP, publicKey: KEY1, name: 'again' }),
      'DUPLICATE_RESPONDER_KEY',
    );
  });

  test('revoking the ocsp role retires the responder keys', () => {
    bridge.tx(A2, () => gov.approve(propose('revokeRole', { address: OCSP, role: 'ocsp' })));
    assert.equal(bridge.query(() => gov.getResponderKeys(0n, 10n)).items[0]?.status, 'retired');
    assert.ok(bridge.events.some((e) => e.event === 'ResponderKeyRetired' && e.indexed[0] === '0x1'));
  });

  test('changeValidators: calls setValidators with exact JSON and schedules the set', () => {
    const fromHeight = 20n;
    const id = propose('changeValidators', { validators: [V1, V2, V4], fromHeight: '0x14' });
    assert.equal(bridge.systemCalls.length, 0, 'nothing is sent to the host before approval');
    bridge.tx(A3, () => gov.approve(id));
    assert.deepEqual(bridge.systemCalls, [
      {
        score: bridge.ctx.address,
        operation: 'setValidators',
        argsJson: `{"fromHeight":"0x14","validators":["${V1}","${V2}","${V4}"]}`,
      },
    ]);
    assert.ok(bridge.events.some((e) => e.event === 'ValidatorsChangeScheduled' && e.indexed[0] === '0x14'));
    assert.deepEqual(
      bridge.query(() => gov.getValidators()),
      { fromHeight: 0n, validators: [V1, V2, V3], scheduled: [{ fromHeight, validators: [V1, V2, V4] }] },
    );
    bridge.atHeight(20n);
    assert.deepEqual(
      bridge.query(() => gov.getValidators()),
      { fromHeight, validators: [V1, V2, V4], scheduled: [] },
    );
    // V3 left the set at 20 and may now lose the role; V4 is in it and may not.
    bridge.tx(A2, () => gov.approve(propose('revokeRole', { address: V3, role: 'validator' })));
    bridge.expectRevert(A1, () => gov.propose('removeMember', { address: V4 }), 'VALIDATOR_IN_SET');
  });

  test('changeValidators: fromHeight must leave the minimum delay, also when the last approval comes', () => {
    // Height 10: the earliest fromHeight is 13 (10 + delay 2 + 1).
    bridge.expectRevert(
      A1,
      () => gov.propose('changeValidators', { validators: [V1], fromHeight: '0xc' }),
      'FROM_HEIGHT_TOO_SOON',
      /at least 13/,
    );
    const id = propose('changeValidators', { validators: [V1], fromHeight: '0xd' });
    bridge.atHeight(11n);
    bridge.expectRevert(A2, () => gov.approve(id), 'FROM_HEIGHT_TOO_SOON');
    assert.equal(status(id), 'pending');
    assert.deepEqual(bridge.query(() => gov.getProposal(id)).approvals, [A1]);
  });

  test('changeValidators: changes are scheduled in increasing height order', () => {
    bridge.tx(A2, () =>
      gov.approve(propose('changeValidators', { validators: [V1, V2], fromHeight: '0x1e' })),
    );
    bridge.expectRevert(
      A1,
      () => gov.propose('changeValidators', { validators: [V1], fromHeight: '0x1e' }),
      'FROM_HEIGHT_TOO_SOON',
      /after the last scheduled change at 30/,
    );
    // V3 is no longer in the scheduled set, but still in the current one.
    bridge.expectRevert(
      A1,
      () => gov.propose('revokeRole', { address: V3, role: 'validator' }),
      'VALIDATOR_IN_SET',
    );
  });

  test('changeValidators: a refusal by the host fails the approving transaction', () => {
    const id = propose('changeValidators', { validators: [V1, V2], fromHeight: '0x1e' });
    bridge.systemHandler = () => {
      throw new Error('host refuses');
    };
    assert.throws(() => bridge.tx(A2, () => gov.approve(id)), /host refuses/);
    assert.equal(status(id), 'pending');
    assert.equal(bridge.systemCalls.length, 0);
  });

  test('setThreshold: a raised threshold applies to pending proposals', () => {
    const pendingId = propose('grantRole', { address: RA, role: 'auditor' });
    const mark = bridge.events.length;
    bridge.tx(A2, () => gov.approve(propose('setThreshold', { threshold: '0x3' })));
    assert.deepEqual(bridge.eventsSince(mark).slice(-2), [
      ['ThresholdChanged', [], ['0x2', '0x3']],
      ['ProposalExecuted', ['0x2', 'setThreshold'], []],
    ]);
    assert.equal(
      bridge.query(() => gov.getThreshold()),
      3n,
    );
    bridge.tx(A2, () => gov.approve(pendingId));
    assert.equal(status(pendingId), 'pending');
    bridge.tx(A3, () => gov.approve(pendingId));
    assert.equal(status(pendingId), 'executed');
  });

  test('execute: carries out a proposal whose approvals reach a lowered threshold', () => {
    bridge.tx(A2, () => gov.approve(propose('setThreshold', { threshold: '0x3' })));
    const id = propose('grantRole', { address: RA, role: 'auditor' });
    bridge.tx(A2, () => gov.approve(id));
    bridge.expectRevert(A1, () => gov.execute(id), 'NOT_ENOUGH_APPROVALS', /has 2 admin approvals of the 3/);
    const lower = propose('setThreshold', { threshold: '0x2' });
    bridge.tx(A2, () => gov.approve(lower));
    bridge.tx(A3, () => gov.approve(lower));
    assert.equal(status(id), 'pending');
    bridge.tx(A3, () => gov.execute(id));
    assert.equal(status(id), 'executed');
    assert.deepEqual(roles(RA), ['ra', 'auditor']);
    bridge.expectRevert(A3, () => gov.execute(id), 'PROPOSAL_CLOSED');
  });

  test('execute: retries a proposal whose action failed when its last approval came', () => {
    const first = propose('admitMember', { address: RA2, name: 'Firm D', roles: ['ra'] });
    const second = propose('admitMember', { address: RA2, name: 'Firm D again', roles: [] }, A2);
    bridge.tx(A2, () => gov.approve(first));
    bridge.expectRevert(A3, () => gov.approve(second), 'ALREADY_MEMBER');
    bridge.tx(A3, () => gov.approve(propose('removeMember', { address: RA2 })));
    bridge.tx(A3, () => gov.approve(second));
    assert.equal(bridge.query(() => gov.getMember(RA2)).name, 'Firm D again');
  });

  test('with threshold 1 a proposal takes effect when proposed', () => {
    bridge.tx(A2, () => gov.approve(propose('setThreshold', { threshold: '0x1' })));
    const id = propose('grantRole', { address: RA, role: 'auditor' }, A3);
    assert.equal(status(id), 'executed');
  });

  test('votes of a removed admin stop counting', () => {
    const id = propose('grantRole', { address: RA, role: 'auditor' });
    bridge.tx(A3, () => gov.approve(propose('removeMember', { address: A1 }, A2)));
    bridge.tx(A2, () => gov.approve(id));
    assert.equal(status(id), 'pending', 'A1 no longer counts; A2 alone is 1 of 2');
    bridge.tx(A3, () => gov.approve(id));
    assert.equal(status(id), 'executed');
  });
});

describe('reject', () => {
  test('one vote against leaves 2 of 3 reachable; the second closes the proposal', () => {
    const id = propose('grantRole', { address: RA, role: 'auditor' });
    const mark = bridge.events.length;
    bridge.tx(A2, () => gov.reject(id, 'not audited yet'));
    assert.deepEqual(bridge.eventsSince(mark), [
      ['ProposalRejectionVoted', ['0x1', A2], ['not audited yet', '0x1']],
    ]);
    assert.equal(status(id), 'pending');
    bridge.expectRevert(A2, () => gov.reject(id, 'again'), 'ALREADY_REJECTED');
    bridge.expectRevert(A2, () => gov.approve(id), 'ALREADY_REJECTED');
    bridge.expectRevert(A1, () => gov.reject(id, 'changed my mind'), 'ALREADY_APPROVED');
    bridge.atHeight(12n);
    bridge.tx(A3, () => gov.reject(id, 'no'));
    assert.deepEqual(bridge.eventsSince(mark + 1), [
      ['ProposalRejectionVoted', ['0x1', A3], ['no', '0x2']],
      ['ProposalRejected', ['0x1'], ['no']],
    ]);
    const p = bridge.query(() => gov.getProposal(id));
    assert.equal(p.status, 'rejected');
    assert.equal(p.closedAt, 12n);
    assert.deepEqual(p.rejections, [
      { admin: A2, reason: 'not audited yet' },
      { admin: A3, reason: 'no' },
    ]);
    assert.deepEqual(roles(RA), ['ra']);
    bridge.expectRevert(A1, () => gov.approve(id), 'PROPOSAL_CLOSED', /already rejected/);
  });

  test('when every admin must approve, one vote against closes the proposal', () => {
    bridge.tx(A2, () => gov.approve(propose('setThreshold', { threshold: '0x3' })));
    const id = propose('grantRole', { address: RA, role: 'auditor' });
    bridge.tx(A3, () => gov.reject(id, 'veto'));
    assert.equal(status(id), 'rejected');
  });

  test('a reason is required and bounded', () => {
    const id = propose('grantRole', { address: RA, role: 'auditor' });
    bridge.expectRevert(A2, () => gov.reject(id, '  '), 'INVALID_PARAMS', /^reason: must not be empty/);
    bridge.expectRevert(A2, () => gov.reject(id, 'x'.repeat(281)), 'INVALID_PARAMS', /at most 280/);
  });
});

describe('proposal refusals', () => {
  const payloads: [string, string, unknown, string, RegExp][] = [
    ['admitMember', 'a list payload', [RA2], 'INVALID_PAYLOAD', /^payload: must be an object/],
    ['admitMember', 'no name', { address: RA2, roles: [] }, 'INVALID_PAYLOAD', /^payload\.name: required/],
    [
      'admitMember',
      'a bad address',
      { address: 'hx1', name: 'D', roles: [] },
      'INVALID_PAYLOAD',
      /payload\.address/,
    ],
    [
      'admitMember',
      'an extra field',
      { address: RA2, name: 'D', roles: [], x: 1 },
      'INVALID_PAYLOAD',
      /payload\.x/,
    ],
    [
      'admitMember',
      'roles as a string',
      { address: RA2, name: 'D', roles: 'ra' },
      'INVALID_PAYLOAD',
      /\.roles/,
    ],
    [
      'admitMember',
      'an unknown role',
      { address: RA2, name: 'D', roles: ['boss'] },
      'UNKNOWN_ROLE',
      /'boss'/,
    ],
    ['admitMember', 'a member', { address: RA, name: 'C', roles: [] }, 'ALREADY_MEMBER', /already a member/],
    ['grantRole', 'an unknown role', { address: RA, role: 'root' }, 'UNKNOWN_ROLE', /payload\.role/],
    ['grantRole', 'a non-member', { address: OUTSIDER, role: 'ra' }, 'NOT_MEMBER', /is not a member/],
    ['grantRole', 'a held role', { address: RA, role: 'ra' }, 'ROLE_ALREADY_HELD', /already has the ra/],
    ['revokeRole', 'a role not held', { address: RA, role: 'admin' }, 'ROLE_NOT_HELD', /does not have/],
    ['revokeRole', 'a non-member', { address: OUTSIDER, role: 'ra' }, 'NOT_MEMBER', /is not a member/],
    ['revokeRole', 'a validator in the set', { address: V1, role: 'validator' }, 'VALIDATOR_IN_SET', /./],
    ['removeMember', 'a non-member', { address: OUTSIDER }, 'NOT_MEMBER', /is not a member/],
    ['removeMember', 'a validator in the set', { address: V2 }, 'VALIDATOR_IN_SET', /change the validator/],
    [
      'registerResponderKey',
      'a key of an RA',
      { responder: RA, publicKey: KEY2, name: 'k' },
      'NOT_RESPONDER',
      /ocsp role/,
    ],
    [
      'registerResponderKey',
      'a key of a non-member',
      { responder: OUTSIDER, publicKey: KEY2, name: 'k' },
      'NOT_MEMBER',
      /not a member/,
    ],
    [
      'registerResponderKey',
      'a registered key',
      { responder: OCSP, publicKey: spki(1), name: 'k' },
      'DUPLICATE_RESPONDER_KEY',
      /already registered/,
    ],
    [
      'registerResponderKey',
      'odd hex',
      { responder: OCSP, publicKey: '0x305', name: 'k' },
      'INVALID_PAYLOAD',
      /^payload\.publicKey: must be hex with whole bytes/,
    ],
    [
      'registerResponderKey',
      'a truncated key',
      { responder: OCSP, publicKey: KEY2.slice(0, -2), name: 'k' },
      'INVALID_PAYLOAD',
      /^payload\.publicKey: not a DER/,
    ],
    [
      'retireResponderKey',
      'both id and key',
      { id: '0x1', publicKey: KEY1 },
      'INVALID_PAYLOAD',
      /exactly one of publicKey, id/,
    ],
    ['retireResponderKey', 'neither id nor key', {}, 'INVALID_PAYLOAD', /exactly one of publicKey, id/],
    ['retireResponderKey', 'an unknown id', { id: '0x9' }, 'UNKNOWN_RESPONDER_KEY', /no responder key/],
    [
      'retireResponderKey',
      'an unknown key',
      { publicKey: KEY3 },
      'UNKNOWN_RESPONDER_KEY',
      /no responder key/,
    ],
    [
      'changeValidators',
      'an empty set',
      { validators: [], fromHeight: '0x14' },
      'INVALID_PAYLOAD',
      /^payload\.validators: must have 1\.\.64/,
    ],
    [
      'changeValidators',
      'a duplicate',
      { validators: [V1, V1], fromHeight: '0x14' },
      'INVALID_PAYLOAD',
      /^payload\.validators: duplicate/,
    ],
    [
      'changeValidators',
      'a fractional height',
      { validators: [V1], fromHeight: 20.5 },
      'INVALID_PAYLOAD',
      /^payload\.fromHeight/,
    ],
    [
      'changeValidators',
      'an RA as validator',
      { validators: [V1, RA], fromHeight: '0x14' },
      'NOT_VALIDATOR',
      /payload\.validators\[1\]/,
    ],
    [
      'changeValidators',
      '65 validators',
      { validators: Array.from({ length: 65 }, (_, i) => account(0x100 + i)), fromHeight: '0x14' },
      'INVALID_PAYLOAD',
      /^payload\.validators: must have 1\.\.64 entries, has 65/,
    ],
    [
      'registerResponderKey',
      'a key over 480 bytes',
      { responder: OCSP, publicKey: `308201dd30${'00'.repeat(476)}`, name: 'k' },
      'INVALID_PAYLOAD',
      /^payload\.publicKey: longer than 480 bytes/,
    ],
    ['setThreshold', 'zero', { threshold: '0x0' }, 'INVALID_THRESHOLD', /at least 1/],
    [
      'setThreshold',
      'more than the admins',
      { threshold: '0x4' },
      'THRESHOLD_UNREACHABLE',
      /more than the 3 admins/,
    ],
    ['setThreshold', 'a negative number', { threshold: -1 }, 'INVALID_PAYLOAD', /^payload\.threshold/],
  ];
  for (const [kind, what, payload, code, message] of payloads) {
    test(`${kind} with ${what}: ${code}`, () => {
      bridge.expectRevert(A1, () => gov.propose(kind, payload), code, message);
    });
  }

  test('a responder holds at most 8 active keys', () => {
    bridge.tx(A2, () => gov.approve(propose('setThreshold', { threshold: '0x1' })));
    for (let i = 2; i <= 8; i++)
      propose('registerResponderKey', { responder: OCSP, publicKey: spki(i), name: `k${i}` });
    bridge.expectRevert(
      A1,
      () => gov.propose('registerResponderKey', { responder: OCSP, publicKey: spki(9), name: 'k9' }),
      'TOO_MANY_RESPONDER_KEYS',
      /already has 8 active keys/,
    );
    propose('retireResponderKey', { id: '0x3' });
    propose('registerResponderKey', { responder: OCSP, publicKey: spki(9), name: 'k9' });
    assert.equal(bridge.query(() => gov.getResponderKeys(0n, 100n)).total, 9n);
  });

  test('an admin removal or revocation may not leave fewer admins than the threshold', () => {
    bridge.tx(A2, () => gov.approve(propose('setThreshold', { threshold: '0x3' })));
    bridge.expectRevert(A1, () => gov.propose('removeMember', { address: A3 }), 'THRESHOLD_UNREACHABLE');
    bridge.expectRevert(
      A1,
      () => gov.propose('revokeRole', { address: A3, role: 'admin' }),
      'THRESHOLD_UNREACHABLE',
      /only 2 admins would remain for a threshold of 3/,
    );
  });

  test('the same admin approving twice is refused, also after another approval', () => {
    bridge.tx(A2, () => gov.approve(propose('setThreshold', { threshold: '0x3' })));
    const id = propose('grantRole', { address: RA, role: 'auditor' });
    bridge.tx(A2, () => gov.approve(id));
    bridge.expectRevert(A2, () => gov.approve(id), 'ALREADY_APPROVED');
    bridge.expectRevert(A1, () => gov.approve(id), 'ALREADY_APPROVED');
  });
});

describe('deployment audit', () => {
  test('an auditor approves: approveDeployment system call with exact JSON, and an event', () => {
    const mark = bridge.events.length;
    bridge.tx(AUDITOR, () => gov.approveDeployment(SCORE_A, 2n));
    assert.deepEqual(bridge.systemCalls, [
      {
        score: bridge.ctx.address,
        operation: 'approveDeployment',
        argsJson: `{"address":"${SCORE_A}","version":"0x2"}`,
      },
    ]);
    assert.deepEqual(bridge.eventsSince(mark), [['DeploymentApproved', [SCORE_A, AUDITOR], ['0x2']]]);
  });

  test('an auditor rejects with a reason: rejectDeployment system call with exact JSON, and an event', () => {
    bridge.tx(AUDITOR, () => gov.rejectDeployment(SCORE_A, 1n, 'calls an unaudited library'));
    assert.deepEqual(bridge.systemCalls, [
      {
        score: bridge.ctx.address,
        operation: 'rejectDeployment',
        argsJson: `{"address":"${SCORE_A}","version":"0x1","reason":"calls an unaudited library"}`,
      },
    ]);
    assert.deepEqual(bridge.eventsSince(bridge.events.length - 1), [
      ['DeploymentRejected', [SCORE_A, AUDITOR], ['0x1', 'calls an unaudited library']],
    ]);
  });

  test('an admin may audit too', () => {
    bridge.tx(A3, () => gov.approveDeployment(SCORE_A, 0n));
    assert.equal(bridge.systemCalls[0]?.argsJson, `{"address":"${SCORE_A}","version":"0x0"}`);
  });

  test('an RA, a validator, a responder or an outsider may not', () => {
    for (const who of [RA, V1, OCSP, OUTSIDER]) {
      bridge.expectRevert(who, () => gov.approveDeployment(SCORE_A, 1n), 'NOT_AUDITOR');
      bridge.expectRevert(who, () => gov.rejectDeployment(SCORE_A, 1n, 'no'), 'NOT_AUDITOR');
    }
  });

  test('bad parameters are refused before the host is asked', () => {
    bridge.expectRevert(
      AUDITOR,
      () => gov.approveDeployment(A1, 1n),
      'INVALID_PARAMS',
      /^address: must be a SCORE/,
    );
    bridge.expectRevert(AUDITOR, () => gov.approveDeployment(SCORE_A, -1n), 'INVALID_PARAMS', /^version/);
    bridge.expectRevert(AUDITOR, () => gov.rejectDeployment(SCORE_A, 1n, ''), 'INVALID_PARAMS', /^reason/);
  });

  test('a refusal by the host (e.g. no such pending version) fails the transaction without an event', () => {
    bridge.systemHandler = (op) => {
      throw new Error(`${op}: no pending deployment`);
    };
    const mark = bridge.events.length;
    assert.throws(
      () => bridge.tx(AUDITOR, () => gov.approveDeployment(SCORE_A, 5n)),
      /no pending deployment/,
    );
    assert.equal(bridge.events.length, mark);
  });

  test('isAdmin: only members holding the admin role', () => {
    assert.equal(
      bridge.query(() => gov.isAdmin(A1)),
      true,
    );
    assert.equal(
      bridge.query(() => gov.isAdmin(RA)),
      false,
    );
    assert.equal(
      bridge.query(() => gov.isAdmin(OUTSIDER)),
      false,
    );
  });

  test('canDeploy: any admitted member, whatever its roles', () => {
    for (const who of [A1, RA, OCSP, AUDITOR, V1])
      assert.equal(
        bridge.query(() => gov.canDeploy(who)),
        true,
      );
    assert.equal(
      bridge.query(() => gov.canDeploy(OUTSIDER)),
      false,
    );
  });
});

describe('readonly queries', () => {
  test('hasRole, isMember, getMember', () => {
    assert.equal(
      bridge.query(() => gov.hasRole(A2, 'ra')),
      true,
    );
    assert.equal(
      bridge.query(() => gov.hasRole(A2, 'ocsp')),
      false,
    );
    assert.equal(
      bridge.query(() => gov.hasRole(OUTSIDER, 'admin')),
      false,
    );
    bridge.expectQueryRevert(() => gov.hasRole(A2, 'superuser'), 'UNKNOWN_ROLE');
    assert.equal(
      bridge.query(() => gov.isMember(V1)),
      true,
    );
    bridge.expectQueryRevert(() => gov.getMember(OUTSIDER), 'NOT_MEMBER');
  });

  test('getMembers pages: offset, limit, past the end, bad values', () => {
    const page = bridge.query(() => gov.getMembers(3n, 2n));
    assert.deepEqual(
      page.items.map((m) => m.address),
      [RA, OCSP],
    );
    assert.equal(page.total, 10n);
    assert.deepEqual(
      bridge.query(() => gov.getMembers(10n, 5n)),
      { total: 10n, items: [] },
    );
    assert.deepEqual(bridge.query(() => gov.getMembers(1n << 70n, 5n)).items, []);
    bridge.expectQueryRevert(() => gov.getMembers(-1n, 5n), 'INVALID_PARAMS', /^offset/);
    bridge.expectQueryRevert(() => gov.getMembers(0n, 0n), 'INVALID_PARAMS', /^limit/);
  });

  test('getProposals: all in id order, by status, limit capped at 100, bad status refused', () => {
    const a = propose('grantRole', { address: RA, role: 'auditor' });
    const b = propose('grantRole', { address: RA, role: 'ocsp' });
    const c = propose('grantRole', { address: V1, role: 'ra' });
    bridge.tx(A2, () => gov.approve(b));
    bridge.tx(A2, () => gov.reject(c, 'no'));
    bridge.tx(A3, () => gov.reject(c, 'no'));
    const ids = (s?: string) => bridge.query(() => gov.getProposals(0n, 10n, s)).items.map((p) => p.id);
    assert.deepEqual(ids(), [a, b, c]);
    assert.deepEqual(ids('pending'), [a]);
    assert.deepEqual(ids('executed'), [b]);
    assert.deepEqual(ids('rejected'), [c]);
    assert.equal(bridge.query(() => gov.getProposals(0n, 10n, 'pending')).total, 1n);
    // The host passes an omitted optional parameter as null.
    assert.equal(bridge.query(() => gov.getProposals(0n, 10n, null)).total, 3n);
    bridge.expectQueryRevert(() => gov.getProposals(0n, 10n, 'open'), 'INVALID_PARAMS', /^status/);
    bridge.expectQueryRevert(() => gov.getProposals(0n, 0n), 'INVALID_PARAMS');

    for (let i = 0; i < 100; i++) propose('grantRole', { address: RA, role: 'auditor' }, [A1, A2, A3][i % 3]);
    const page = bridge.query(() => gov.getProposals(0n, 500n, 'pending'));
    assert.equal(page.total, 101n);
    assert.equal(page.items.length, 100);
    assert.equal(bridge.query(() => gov.getProposals(100n, 500n, 'pending')).items.length, 1);
  });

  test('pending proposals stay listed correctly when one in the middle closes', () => {
    const ids = [1, 2, 3, 4].map(() => propose('grantRole', { address: RA, role: 'auditor' }));
    bridge.tx(A2, () => gov.reject(ids[1] ?? 0n, 'no'));
    bridge.tx(A3, () => gov.reject(ids[1] ?? 0n, 'no'));
    const pending = bridge.query(() => gov.getProposals(0n, 10n, 'pending')).items.map((p) => p.id);
    assert.deepEqual([...pending].sort(), [ids[0], ids[2], ids[3]].sort());
  });

  test('getProposal shows the normalised payload (ints as 0x-hex, keys as 0x + lowercase hex)', () => {
    const id = propose('registerResponderKey', {
      responder: OCSP,
      publicKey: spki(2).toUpperCase(),
      name: 'k2',
    });
    assert.deepEqual(bridge.query(() => gov.getProposal(id)).payload, {
      responder: OCSP,
      publicKey: KEY2,
      name: 'k2',
    });
    const id2 = propose('changeValidators', { validators: [V4], fromHeight: '0x64' });
    assert.deepEqual(bridge.query(() => gov.getProposal(id2)).payload, {
      validators: [V4],
      fromHeight: '0x64',
    });
  });

  test('before initialization: threshold 0, nobody is an admin', () => {
    const fresh = new FakeBridge().install();
    try {
      const g = new GovernanceScore();
      assert.equal(
        fresh.query(() => g.getThreshold()),
        0n,
      );
      assert.deepEqual(
        fresh.query(() => g.getMembers(0n, 10n)),
        { total: 0n, items: [] },
      );
      fresh.expectRevert(A1, () => g.propose('setThreshold', { threshold: '0x1' }), 'NOT_ADMIN');
    } finally {
      fresh.uninstall();
    }
  });
});

describe('api', () => {
  test('the class exposes exactly the methods its api declares, with matching arity', () => {
    const proto = GovernanceScore.prototype as unknown as Record<string, unknown>;
    const own = Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor');
    assert.deepEqual(own.sort(), Object.keys(GovernanceScore.api.methods).sort());
    for (const [name, spec] of Object.entries(GovernanceScore.api.methods)) {
      const fn = proto[name] as (...args: unknown[]) => unknown;
      assert.equal(fn.length, spec.params.length, name);
    }
  });

  test('queries are readonly, writes are not, and events have at most 3 indexed values', () => {
    for (const spec of Object.values(GovernanceScore.api.events)) assert.ok(spec.indexed.length <= 3);
    const readonly = Object.entries(GovernanceScore.api.methods)
      .filter(([, s]) => s.readonly)
      .map(([n]) => n)
      .sort();
    assert.deepEqual(readonly, [
      'canDeploy',
      'getMember',
      'getMembers',
      'getProposal',
      'getProposals',
      'getResponderKeys',
      'getThreshold',
      'getValidators',
      'hasRole',
      'isAdmin',
      'isMember',
    ]);
  });
});
