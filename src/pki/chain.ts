/**
 * Path validation for the consortium hierarchy: root → Validator CA → Block Issuer CA → leaf.
 * Checks what RFC 5280 §6 checks for this fixed shape (signatures, names, validity at a given time,
 * basicConstraints and pathLen, keyUsage, unknown critical extensions) and returns a typed result rather
 * than throwing, so callers (verify API, RA gateway, OCSP) translate codes once. It says nothing about ledger
 * status: a certificate is valid only if this passes AND the ledger says it is good (DESIGN §6).
 */
import 'reflect-metadata';
import { X509Certificate as NodeCert } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { OID } from './profiles.js';

export type ChainErrorCode =
  | 'MALFORMED'
  | 'ROOT_NOT_SELF_SIGNED'
  | 'ISSUER_NAME_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'NOT_A_CA'
  | 'PATH_LEN_EXCEEDED'
  | 'KEY_USAGE'
  | 'LEAF_IS_CA'
  | 'UNKNOWN_CRITICAL_EXTENSION';

export type ChainResult =
  | { ok: true; subjects: string[] }
  | { ok: false; code: ChainErrorCode; /** 0 = root … last = leaf */ depth: number; message: string };

export type LeafPurpose = 'end-entity' | 'ocsp-responder';

export interface ChainInput {
  root: Uint8Array;
  /** Intermediates from the root's child down to the leaf's issuer: [Validator CA, Block Issuer CA]. */
  intermediates: readonly Uint8Array[];
  leaf: Uint8Array;
  at: Date;
  purpose: LeafPurpose;
}

const KNOWN_CRITICAL = new Set<string>([OID.basicConstraints, OID.keyUsage, OID.extKeyUsage]);

interface Loaded {
  node: NodeCert;
  lib: x509.X509Certificate;
}

function load(der: Uint8Array): Loaded {
  return { node: new NodeCert(Buffer.from(der)), lib: new x509.X509Certificate(der) };
}

export function verifyChain(input: ChainInput): ChainResult {
  const ders = [input.root, ...input.intermediates, input.leaf];
  const certs: Loaded[] = [];
  for (const [depth, der] of ders.entries()) {
    try {
      certs.push(load(der));
    } catch (e) {
      return {
        ok: false,
        code: 'MALFORMED',
        depth,
        message: `certificate does not parse: ${(e as Error).message}`,
      };
    }
  }
  const fail = (code: ChainErrorCode, depth: number, message: string): ChainResult => ({
    ok: false,
    code,
    depth,
    message,
  });
  const last = certs.length - 1;
  const root = certs[0]!;
  if (!root.node.checkIssued(root.node) || !root.node.verify(root.node.publicKey)) {
    return fail('ROOT_NOT_SELF_SIGNED', 0, 'the trust anchor is not a self-signed certificate');
  }
  for (let depth = 0; depth <= last; depth++) {
    const c = certs[depth]!;
    if (depth > 0) {
      const parent = certs[depth - 1]!;
      if (c.node.issuer !== parent.node.subject) {
        return fail(
          'ISSUER_NAME_MISMATCH',
          depth,
          `issuer "${c.node.issuer}" is not "${parent.node.subject}"`,
        );
      }
      if (!c.node.verify(parent.node.publicKey))
        return fail('BAD_SIGNATURE', depth, 'signature does not verify with the issuer key');
    }
    if (input.at < c.lib.notBefore)
      return fail('NOT_YET_VALID', depth, `not valid before ${c.lib.notBefore.toISOString()}`);
    if (input.at > c.lib.notAfter)
      return fail('EXPIRED', depth, `expired at ${c.lib.notAfter.toISOString()}`);
    for (const e of c.lib.extensions) {
      if (e.critical && !KNOWN_CRITICAL.has(e.type))
        return fail('UNKNOWN_CRITICAL_EXTENSION', depth, `critical extension ${e.type}`);
    }
    const bc = c.lib.getExtension(x509.BasicConstraintsExtension);
    const ku = c.lib.getExtension(x509.KeyUsagesExtension);
    const has = (f: x509.KeyUsageFlags): boolean => ku !== null && (ku.usages & f) !== 0;
    if (depth < last) {
      if (!bc?.ca) return fail('NOT_A_CA', depth, 'an issuing certificate lacks basicConstraints CA:TRUE');
      if (!has(x509.KeyUsageFlags.keyCertSign))
        return fail('KEY_USAGE', depth, 'an issuing certificate lacks keyCertSign');
      // RFC 5280 §4.2.1.9: pathLen counts the non-self-issued intermediates below this certificate.
      const below = last - depth - 1;
      if (bc.pathLength !== undefined && below > bc.pathLength) {
        return fail(
          'PATH_LEN_EXCEEDED',
          depth,
          `pathLen ${bc.pathLength} but ${below} CA certificates follow`,
        );
      }
    } else {
      if (bc?.ca) return fail('LEAF_IS_CA', depth, 'the leaf is a CA certificate');
      if (input.purpose === 'end-entity') {
        if (!has(x509.KeyUsageFlags.digitalSignature) || !has(x509.KeyUsageFlags.nonRepudiation)) {
          return fail(
            'KEY_USAGE',
            depth,
            'an end-entity certificate needs digitalSignature and nonRepudiation',
          );
        }
      } else {
        const eku = c.lib.getExtension(x509.ExtendedKeyUsageExtension);
        const purposes = (eku?.usages ?? []).map(String);
        if (!has(x509.KeyUsageFlags.digitalSignature) || !purposes.includes(OID.kpOcspSigning)) {
          return fail(
            'KEY_USAGE',
            depth,
            'a responder certificate needs digitalSignature and EKU OCSPSigning',
          );
        }
      }
    }
  }
  return { ok: true, subjects: certs.map((c) => c.node.subject) };
}
