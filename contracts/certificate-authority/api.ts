/** The certificate authority SCORE's external methods and events, as `icx_getScoreApi` describes them. */
import type { EventSpec, MethodSpec, ParamSpec, ScoreApi } from '../../src/score/sdk/index.js';

const serial: ParamSpec = { name: 'serial', type: 'str' };

const write = (params: ParamSpec[], returns?: MethodSpec['returns']): MethodSpec =>
  returns === undefined ? { readonly: false, params } : { readonly: false, params, returns };
const read = (params: ParamSpec[], returns: MethodSpec['returns']): MethodSpec => ({
  readonly: true,
  params,
  returns,
});

/** Event fields as `name` (a str) or `name:type`. */
function event(indexed: string[], data: string[] = []): EventSpec {
  const spec = (field: string): ParamSpec => {
    const [name = field, type = 'str'] = field.split(':');
    return { name, type: type as ParamSpec['type'] };
  };
  return { indexed: indexed.map(spec), data: data.map(spec) };
}

export const CERTIFICATE_AUTHORITY_API: ScoreApi = {
  methods: {
    issue: write(
      [
        { name: 'csr', type: 'str' },
        { name: 'subjectId', type: 'str' },
        { name: 'validityDays', type: 'int' },
      ],
      'str',
    ),
    renew: write([serial, { name: 'csr', type: 'str' }], 'str'),
    revoke: write([serial, { name: 'reason', type: 'int' }]),
    suspend: write([serial]),
    resume: write([serial]),
    register: write([serial, { name: 'customerRef', type: 'str' }]),
    getCertificate: read([serial], 'dict'),
    getStatus: read([serial], 'dict'),
    getIssuer: read([{ name: 'height', type: 'int' }], 'str'),
    getResponderCertificate: read(
      [
        { name: 'height', type: 'int' },
        { name: 'responder', type: 'Address' },
      ],
      'str',
    ),
    getLogCheckpoint: read([], 'dict'),
    getInclusionProof: read(
      [
        { name: 'leafIndex', type: 'int' },
        { name: 'treeSize', type: 'int' },
      ],
      'dict',
    ),
    getConsistencyProof: read(
      [
        { name: 'size1', type: 'int' },
        { name: 'size2', type: 'int' },
      ],
      'dict',
    ),
  },
  // Each event is a leaf of the certificate log; the serial (0x-hex) is always the first indexed value and a firm
  // the second: the issuing firm, except in CertificateRegistered (the registering firm).
  events: {
    CertificateIssued: event(['serial', 'firm'], ['subjectId', 'fingerprint', 'validityDays:int']),
    CertificateRevoked: event(['serial', 'firm'], ['reason:int', 'by:Address']),
    CertificateSuspended: event(['serial', 'firm'], ['by:Address']),
    CertificateResumed: event(['serial', 'firm'], ['by:Address']),
    CertificateRenewed: event(
      ['serial', 'firm'],
      ['renewedFrom', 'subjectId', 'fingerprint', 'validityDays:int', 'by:Address'],
    ),
    CertificateRegistered: event(['serial', 'firm'], ['customerRef']),
  },
};
