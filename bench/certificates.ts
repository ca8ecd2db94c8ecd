/**
 * Certificates per second through applyBlock (issue 5): a block of `issue` transactions to the certificate
 * authority SCORE (bundled from contracts/, with the real governance SCORE), applied over the same committed
 * parent on the proposer path (ProposerBlockIssuer: block key, issuer certificate, TBS building, signing) and on
 * the validator path (ValidatingBlockIssuer with the proposer's record: TBS building, checking the issuer
 * certificate and every recorded signature). Both include the sandboxed SCORE call, CSR parsing with its proof
 * of possession, governance lookup, receipts, the certificate log and the state root.
 */
import { join } from 'node:path';
import type { Transaction } from '../src/ledger/transaction.js';
import { ProposerBlockIssuer, ValidatingBlockIssuer, type BlockSigner } from '../src/pki/block-issuer.js';
import { applyBlock, commit } from '../src/score/apply-block.js';
import { PopCheckWorker } from '../src/pki/pop-precheck.js';
import { pemParams, startBlockPrechecks } from '../src/score/block-prechecks.js';
import { bundleContract, PROJECT_ROOT } from '../src/score/bundle.js';
import type { BlockContext } from '../src/score/execution.js';
import { CommittedState } from '../src/score/overlay.js';
import { account, callTx, ctxAt, GOVERNANCE } from '../test/helpers/score-chain.js';
import {
  BLOCK_TIME_US,
  hierarchy,
  keyPair,
  makeCsr,
  profile,
  seededRandom,
  validatorParent,
} from '../test/helpers/pki-fixture.js';
import { measure, time, type Result } from './harness.js';

export const ISSUES_PER_BLOCK = 200;
const CA = `cx${'00'.repeat(19)}03`;

/**
 * reference: a watchdog per sandbox call (ADR 0002; a signer without `restart` keeps applyBlock there);
 * batched: one watchdog per batch of transactions (ADR 0003); prechecked: batched, and the block's proofs of
 * possession handed to a worker thread as the block starts; offloaded: prechecked, and the block's signatures
 * checked on that worker too (ADR 0004: the validator's recorded ones, the proposer's self-checks); admitted:
 * offloaded, with the proofs of possession checked when the transactions entered the mempool, as a node does
 * (its own worker, so the other modes start cold).
 */
export type CertificateBenchMode = 'reference' | 'batched' | 'prechecked' | 'offloaded' | 'admitted';

export interface CertificateBench {
  readonly proposer: (mode?: CertificateBenchMode) => ReturnType<typeof applyBlock>;
  readonly validator: (mode?: CertificateBenchMode) => ReturnType<typeof applyBlock>;
  readonly close: () => Promise<void>;
}

/** The same signer without `restart`. */
function referenceSigner(signer: BlockSigner): BlockSigner {
  return {
    mode: signer.mode,
    builder: () => signer.builder(),
    sign: (tbs) => signer.sign(tbs),
    issuerCertificate: () => signer.issuerCertificate(),
    finish: () => signer.finish(),
  };
}

/** A chain with governance and the CA SCORE, and a block of ISSUES_PER_BLOCK issuances on top of it. */
export async function certificateBlock(): Promise<CertificateBench> {
  const [admin, firmA, firmB] = ['bench-admin', 'bench-firm-a', 'bench-firm-b'].map(account);
  const [governance, ca] = await Promise.all(
    ['governance', 'certificate-authority'].map((n) =>
      bundleContract(join(PROJECT_ROOT, 'contracts', n, 'index.ts')),
    ),
  );
  const ctxFor = (height: number): BlockContext =>
    ctxAt(height, {
      timestamp: BLOCK_TIME_US + BigInt(height) * 1_000_000n,
      certificateAuthorityAddress: CA,
    });
  const members = [
    { address: admin!.address, name: 'KOFIA', roles: ['admin'] },
    { address: firmA!.address, name: 'Firm A', roles: ['ra'] },
    { address: firmB!.address, name: 'Firm B', roles: ['ra'] },
  ];
  const state = CommittedState.empty();
  const genesis = applyBlock(
    state,
    {
      transactions: [],
      genesis: [
        {
          address: GOVERNANCE,
          code: governance!.code,
          deployer: admin!.address,
          params: { config: { threshold: '0x1', members } },
        },
        { address: CA, code: ca!.code, deployer: admin!.address },
      ],
    },
    ctxFor(0),
  );
  commit(genesis.state);
  state.apply(genesis.state);

  const txs: Transaction[] = Array.from({ length: ISSUES_PER_BLOCK }, (_, i) =>
    callTx(i % 2 ? firmA! : firmB!, CA, 'issue', {
      csr: makeCsr(keyPair('P-256'), { subject: '' }),
      subjectId: `bench_${i.toString().padStart(12, '0')}`,
      validityDays: '0x16d',
    }),
  );
  const ctx = ctxFor(1);
  const blockProfile = profile({
    channel: ctx.channel,
    height: 1n,
    parentHash: ctx.parentHash,
    blockTimeUs: ctx.timestamp,
  });
  let seed = 1;
  const worker = new PopCheckWorker();
  // As a node does when the transactions reach its mempool, before any block carries them (not timed).
  const admittedWorker = new PopCheckWorker();
  await admittedWorker.admit(pemParams(txs));
  const workerOf = (mode: CertificateBenchMode): PopCheckWorker =>
    mode === 'admitted' ? admittedWorker : worker;
  const offloads = (mode: CertificateBenchMode): boolean => mode === 'offloaded' || mode === 'admitted';
  // A fresh precheck per block (started with it, not before it): no result carries over between samples.
  const checks = (mode: CertificateBenchMode, signer: BlockSigner) => ({
    ...(mode === 'prechecked' || offloads(mode)
      ? { popChecked: startBlockPrechecks(workerOf(mode), txs) }
      : {}),
    blockSigner: mode === 'reference' ? referenceSigner(signer) : signer,
  });
  const proposer = (mode: CertificateBenchMode = 'batched') => {
    const signer = new ProposerBlockIssuer(blockProfile, {
      validatorCa: validatorParent(),
      validatorCaKey: hierarchy().validatorCa.privateKey,
      random: seededRandom(seed++),
      ...(offloads(mode) ? { signatureChecks: workerOf(mode) } : {}),
    });
    const r = applyBlock(state, { transactions: txs }, { ...ctx, ...checks(mode, signer) });
    if (r.receipts.some((x) => x.status !== 1)) throw new Error('a benchmark issuance failed');
    return r;
  };
  const record = proposer().issuance;
  const validator = (mode: CertificateBenchMode = 'batched') => {
    const signer = new ValidatingBlockIssuer(blockProfile, record, {
      validatorCa: validatorParent(),
      ...(offloads(mode) ? { signatureChecks: workerOf(mode) } : {}),
    });
    const r = applyBlock(state, { transactions: txs }, { ...ctx, ...checks(mode, signer) });
    if (r.receipts.some((x) => x.status !== 1)) throw new Error('a benchmark issuance failed');
    return r;
  };
  return {
    proposer,
    validator,
    close: async () => {
      await worker.close();
      await admittedWorker.close();
    },
  };
}

export async function benchCertificates(): Promise<Result[]> {
  const { proposer, validator, close } = await certificateBlock();
  const run = (apply: () => unknown) => () => {
    const { ms } = time(apply);
    return { ops: ISSUES_PER_BLOCK, ms };
  };
  const rows: [CertificateBenchMode, string, string][] = [
    ['reference', 'watchdog per call', 'ADR 0002 behaviour, for comparison (same run)'],
    ['batched', 'watchdog per batch', 'ADR 0003: one vm time-limit watchdog per 50 ms batch of transactions'],
    [
      'prechecked',
      'watchdog per batch + PoP precheck',
      'and the CSR proofs of possession handed to a worker thread as the block starts (not before it)',
    ],
    [
      'offloaded',
      'watchdog per batch + PoP precheck + signature checks on the worker',
      'and the issuance signatures verified on that worker during execution (ADR 0004)',
    ],
    [
      'admitted',
      'watchdog per batch + signature checks on the worker + PoP checked at mempool admission',
      'as a node runs it: the proofs of possession were checked on the worker when the transactions entered the mempool (before the block, not timed)',
    ],
  ];
  const results: Result[] = [];
  try {
    for (const [path, apply, what] of [
      ['proposer', proposer, 'CSR + PoP, block key + issuer cert, sign + check'],
      ['validator', validator, 'TBS rebuilt, recorded signatures verified; target ≥ 3,000/s'],
    ] as const) {
      for (const [mode, label, note] of rows) {
        results.push(
          await measure(
            `certificates through applyBlock, ${path} path, ${label} (${ISSUES_PER_BLOCK} issues per block)`,
            'certs/s',
            7,
            run(() => apply(mode)),
            `${note}; ${what}`,
          ),
        );
      }
    }
    return results;
  } finally {
    await close();
  }
}
