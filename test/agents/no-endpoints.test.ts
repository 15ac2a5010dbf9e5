// kube-proxy's no-endpoints reject recognised from a program's evidence, in both modes, and
// the rejects that are not it (another chain, the ClusterIP invalid-port reject, a drop).
import test from 'ava';
import { noEndpointsReject } from '../../src/agents/kube-proxy/no-endpoints.js';
import type { Evidence, ProgramResult } from '../../src/kernel/hooks.js';

type Rule = Extract<Evidence, { kind: 'rule' }>;
const ipt = (chain: string, comment: string): Rule => ({ kind: 'rule', tool: 'iptables', family: 4, table: 'filter', chain, position: 1, text: '-A …', action: '-j REJECT', comment });
const nft = (chain: string, action: string, more: Partial<Rule> = {}): Rule => ({ kind: 'rule', tool: 'nft', family: 4, table: 'kube-proxy', chain, position: 1, text: '…', action, ...more });
const result = (verdict: ProgramResult['verdict'], evidence: Evidence[]): ProgramResult => ({ verdict, decidedBy: evidence.length - 1, mark: 0, evidence, evaluated: evidence.length });

test('iptables: the REJECT commented "… has no endpoints" in KUBE-SERVICES or KUBE-EXTERNAL-SERVICES', (t) => {
  t.deepEqual(noEndpointsReject(result('reject', [ipt('KUBE-SERVICES', 'default/empty:http has no endpoints')])), { service: 'default/empty:http', at: 0 });
  t.deepEqual(noEndpointsReject(result('reject', [ipt('KUBE-EXTERNAL-SERVICES', 'default/empty has no endpoints')])), { service: 'default/empty', at: 0 });
  t.is(noEndpointsReject(result('reject', [ipt('MY-CHAIN', 'default/empty has no endpoints')])), undefined);
  t.is(noEndpointsReject(result('drop', [ipt('KUBE-SERVICES', 'default/empty has no endpoints')])), undefined);
});

test('nftables: the no-endpoint-services / no-endpoint-nodeports element sending to reject-chain', (t) => {
  const el = nft('service-endpoints-check', 'goto reject-chain', { set: 'no-endpoint-services', element: '10.1.0.3 . tcp . 80 comment "default/empty:http" : goto reject-chain' });
  t.deepEqual(noEndpointsReject(result('reject', [nft('filter-forward', 'jump service-endpoints-check'), el, nft('reject-chain', 'reject')])), { service: 'default/empty:http', at: 1 });
  const np = nft('nodeport-endpoints-check', 'goto reject-chain', { set: 'no-endpoint-nodeports', element: 'tcp . 30080 : goto reject-chain' });
  t.deepEqual(noEndpointsReject(result('reject', [np, nft('reject-chain', 'reject')])), { service: 'tcp . 30080', at: 0 });
  t.is(noEndpointsReject(result('reject', [nft('cluster-ips-check', 'reject')])), undefined);
  const other = nft('x', 'goto reject-chain', { set: 'my-map', element: '1.2.3.4 : goto reject-chain' });
  t.is(noEndpointsReject(result('reject', [other, nft('reject-chain', 'reject')])), undefined);
});
