/** The governance SCORE's external methods and events, as `icx_getScoreApi` describes them. */
import type { EventSpec, MethodSpec, ParamSpec, ScoreApi } from '../../src/score/sdk/index.js';

const address: ParamSpec = { name: 'address', type: 'Address' };
const id: ParamSpec = { name: 'id', type: 'int' };
const offset: ParamSpec = { name: 'offset', type: 'int' };
const limit: ParamSpec = { name: 'limit', type: 'int' };

function write(params: ParamSpec[], returns?: MethodSpec['returns']): MethodSpec {
  return returns === undefined ? { readonly: false, params } : { readonly: false, params, returns };
}

function read(params: ParamSpec[], returns: MethodSpec['returns']): MethodSpec {
  return { readonly: true, params, returns };
}

/** Event fields as `name` (a str) or `name:type`. */
function event(indexed: string[], data: string[] = []): EventSpec {
  const spec = (field: string): ParamSpec => {
    const [name = field, type = 'str'] = field.split(':');
    return { name, type: type as ParamSpec['type'] };
  };
  return { indexed: indexed.map(spec), data: data.map(spec) };
}

export const GOVERNANCE_API: ScoreApi = {
  methods: {
    on_install: write([{ name: 'config', type: 'dict' }]),
    propose: write(
      [
        { name: 'kind', type: 'str' },
        { name: 'payload', type: 'dict' },
      ],
      'int',
    ),
    approve: write([id]),
    reject: write([id, { name: 'reason', type: 'str' }]),
    execute: write([id]),
    approveDeployment: write([address, { name: 'version', type: 'int' }]),
    rejectDeployment: write([address, { name: 'version', type: 'int' }, { name: 'reason', type: 'str' }]),
    canDeploy: read([address], 'bool'),
    isMember: read([address], 'bool'),
    isAdmin: read([address], 'bool'),
    getMember: read([address], 'dict'),
    getMembers: read([offset, limit], 'dict'),
    hasRole: read([address, { name: 'role', type: 'str' }], 'bool'),
    getProposal: read([id], 'dict'),
    getProposals: read([offset, limit, { name: 'status', type: 'str', optional: true }], 'dict'),
    getThreshold: read([], 'int'),
    getResponderKeys: read([offset, limit], 'dict'),
    getValidators: read([], 'dict'),
  },
  // Event values travel as strings: ints as 0x-hex, lists comma-separated, a payload as JSON.
  events: {
    Initialized: event([], ['threshold:int', 'members:int', 'validators']),
    ProposalCreated: event(['id:int', 'kind', 'proposer:Address'], ['payload']),
    ProposalApproved: event(['id:int', 'admin:Address'], ['approvals:int', 'threshold:int']),
    ProposalRejectionVoted: event(['id:int', 'admin:Address'], ['reason', 'rejections:int']),
    ProposalRejected: event(['id:int'], ['reason']),
    ProposalExecuted: event(['id:int', 'kind']),
    MemberAdmitted: event(['address:Address'], ['name', 'roles']),
    MemberRemoved: event(['address:Address'], ['name']),
    RoleGranted: event(['address:Address', 'role']),
    RoleRevoked: event(['address:Address', 'role']),
    ResponderKeyRegistered: event(['id:int', 'responder:Address'], ['publicKey:bytes', 'name']),
    ResponderKeyRetired: event(['id:int', 'responder:Address'], ['publicKey:bytes']),
    ValidatorsChangeScheduled: event(['fromHeight:int'], ['validators']),
    ThresholdChanged: event([], ['old:int', 'new:int']),
    DeploymentApproved: event(['score:Address', 'auditor:Address'], ['version:int']),
    DeploymentRejected: event(['score:Address', 'auditor:Address'], ['version:int', 'reason']),
  },
};
