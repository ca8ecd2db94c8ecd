/**
 * Who is on the other end of a TLS connection: the validator id named by the `urn:loopchain:node:hx…` SAN
 * URI of its certificate (src/pki/ceremony.ts issueNodeCertificate). TLS has already checked the chain to
 * the consortium root and the validity period; this adds the checks TLS does not make (the node URI, the
 * extended key usage) and re-checks the root signature, so a misconfigured TLS layer cannot let a stranger in.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { ValidatorId } from '../consensus/types.js';
import { NODE_URI_PREFIX } from '../pki/ceremony.js';
import { PeerTransportError } from './errors.js';

const KP_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const KP_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const URI_PATTERN = new RegExp(`(?:^|, )URI:${NODE_URI_PREFIX}hx([0-9a-f]{40})(?=, |$)`, 'g');

/** The validator id in a certificate's node URI; exactly one node URI is required. */
export function nodeIdOf(cert: X509Certificate): ValidatorId {
  const san = cert.subjectAltName ?? '';
  const ids = [...san.matchAll(URI_PATTERN)].map((m) => m[1]!);
  if (ids.length !== 1) {
    throw new PeerTransportError(
      'BAD_CERTIFICATE',
      ids.length === 0
        ? `the certificate names no node (no SAN URI ${NODE_URI_PREFIX}hx…)`
        : 'the certificate names more than one node',
    );
  }
  return ids[0]!;
}

/** Checks a peer certificate (DER) and returns its node id. `usage` is what the peer uses it for here. */
export class PeerIdentity {
  private readonly root: X509Certificate;
  /** Verified certificates by SHA-256 fingerprint (a handful of peers; bounded anyway). */
  private readonly cache = new Map<string, ValidatorId>();

  constructor(rootCertPem: string) {
    try {
      this.root = new X509Certificate(rootCertPem);
    } catch (e) {
      throw new PeerTransportError(
        'BAD_CERTIFICATE',
        `the root certificate cannot be read: ${(e as Error).message}`,
      );
    }
  }

  identify(raw: Uint8Array, usage: 'client' | 'server'): ValidatorId {
    const cert = new X509Certificate(Buffer.from(raw));
    const key = `${usage} ${cert.fingerprint256}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    if (!cert.checkIssued(this.root) || !cert.verify(this.root.publicKey)) {
      throw new PeerTransportError('BAD_CERTIFICATE', 'the certificate is not issued by the consortium root');
    }
    const eku = cert.keyUsage ?? [];
    const need = usage === 'client' ? KP_CLIENT_AUTH : KP_SERVER_AUTH;
    if (!eku.includes(need)) {
      throw new PeerTransportError(
        'BAD_CERTIFICATE',
        `the certificate lacks the ${usage}Auth extended key usage`,
      );
    }
    const id = nodeIdOf(cert);
    if (this.cache.size >= 1024) this.cache.clear();
    this.cache.set(key, id);
    return id;
  }

  /** The node id of the peer of a TLS connection, from Node's PeerCertificate (its `raw` DER). */
  identifyPeer(cert: PeerCertificate | undefined, usage: 'client' | 'server'): ValidatorId {
    if (cert === undefined || !cert.raw || cert.raw.length === 0) {
      throw new PeerTransportError('BAD_CERTIFICATE', 'the peer presented no certificate');
    }
    return this.identify(cert.raw, usage);
  }
}
