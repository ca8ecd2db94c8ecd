import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { csrDerFromPem, parseCsr } from '../../src/pki/csr.js';
import { PopCheckWorker } from '../../src/pki/pop-precheck.js';
import { keyPair, makeCsr } from '../helpers/pki-fixture.js';

const worker = new PopCheckWorker();
after(() => worker.close());

const outcome = (f: () => unknown): unknown => {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: (e as { code?: unknown }).code, message: (e as Error).message };
  }
};

test('a precheck vouches only for requests whose key imports and whose proof of possession verifies', async () => {
  const good = makeCsr(keyPair('P-256'), { subject: '' });
  const good384 = makeCsr(keyPair('P-384'), { subject: '' });
  const badPop = makeCsr(keyPair('P-256'), { subject: '', signWith: keyPair('P-256').privateKey });
  const rsa = makeCsr(keyPair('RSA-2048'), { subject: '' });
  const precheck = worker.start([good, good384, badPop, rsa, 'not a PEM']);
  await precheck.settled();
  assert.equal(precheck.popVerified(csrDerFromPem(good)), true);
  assert.equal(precheck.popVerified(csrDerFromPem(good384)), true);
  assert.equal(precheck.popVerified(csrDerFromPem(badPop)), false);
  assert.equal(precheck.popVerified(csrDerFromPem(rsa)), false, 'RSA requests are checked inline');
  for (const pem of [good, good384, badPop, rsa]) {
    assert.deepEqual(
      outcome(() => parseCsr(pem, precheck)),
      outcome(() => parseCsr(pem)),
      'parseCsr answers the same with and without the precheck',
    );
  }
});

test('a precheck started for one block knows nothing of another block’s requests', async () => {
  const a = makeCsr(keyPair('P-256'), { subject: '' });
  const b = makeCsr(keyPair('P-256'), { subject: '' });
  const first = worker.start([a]);
  const second = worker.start([b]);
  await Promise.all([first.settled(), second.settled()]);
  assert.equal(first.popVerified(csrDerFromPem(b)), false);
  assert.equal(second.popVerified(csrDerFromPem(b)), true);
});

test('requests checked at mempool admission start good in a later block; bad ones are not remembered', async () => {
  const good = makeCsr(keyPair('P-256'), { subject: '' });
  const badPop = makeCsr(keyPair('P-256'), { subject: '', signWith: keyPair('P-256').privateKey });
  const later = makeCsr(keyPair('P-256'), { subject: '' });
  await worker.admit([good, badPop]);
  const block = worker.start([good, badPop, later]);
  // Good from the start (set synchronously by start), whatever the worker has reached of this block yet.
  assert.ok(block.goodKeys().length >= 1);
  assert.equal(block.popVerified(csrDerFromPem(good)), true);
  await block.settled();
  assert.equal(block.popVerified(csrDerFromPem(badPop)), false, 'checked inline again');
  for (const pem of [good, badPop, later]) {
    assert.deepEqual(
      outcome(() => parseCsr(pem, block)),
      outcome(() => parseCsr(pem)),
    );
  }
});
