// `knet rules iptables --count` and `--since` on an IPVS-mode node: the iptables rules IPVS mode
// writes around its virtual servers, counted per chain, and the sync after a change (every one of
// its chains again: IPVS mode has no partial syncs).
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { knet } from '../helpers/cli.js';

const TOPOLOGY = 'topologies/ipvs-sh-affinity.yaml';
const NODE = ['--node', 'k8s-node1'];

/** The seed topology without its NodePort Service nginx-service (the cluster before it was created). */
const withoutNginx = join(mkdtempSync(join(tmpdir(), 'knet-ipvs-since-')), 'before.yaml');
writeFileSync(
  withoutNginx,
  YAML.parseAllDocuments(readFileSync(TOPOLOGY, 'utf8'))
    .filter((d) => !(d.get('kind') === 'Service' && d.getIn(['metadata', 'name']) === 'nginx-service'))
    .map((d) => d.toString())
    .join('---\n'),
);

async function ok(...args: string[]): Promise<string> {
  const r = await knet('rules', 'iptables', ...NODE, ...args);
  if (r.code !== 0) throw new Error(`knet exited ${r.code}: ${r.err}`);
  return r.out;
}

const FILTER_COUNTS = [
  'filter   KUBE-FORWARD                  2',
  'filter   KUBE-IPVS-FILTER              6',
  'filter   KUBE-IPVS-OUT-FILTER          0',
  'filter   KUBE-NODE-PORT                1',
  'filter   KUBE-PROXY-FIREWALL           0',
  'filter   KUBE-SOURCE-RANGES-FIREWALL   1',
  'filter   total                         10',
];
const HEADER = 'TABLE    CHAIN                         RULES';

test('rules iptables --count on an IPVS node: the rules of each chain kube-proxy wrote in its sync', async (t) => {
  const nat = [
    'nat      KUBE-LOAD-BALANCER            1',
    'nat      KUBE-MARK-MASQ                1',
    'nat      KUBE-NODE-PORT                1',
    'nat      KUBE-POSTROUTING              4',
    'nat      KUBE-SERVICES                 4',
    'nat      total                         11',
  ];
  t.is(await ok('-f', TOPOLOGY, '--count'), [HEADER, ...FILTER_COUNTS, ...nat, ''].join('\n'));
  t.is(await ok('-f', TOPOLOGY, '--count', '--table', 'filter'), [HEADER, ...FILTER_COUNTS, ''].join('\n'));
  // before the NodePort Service: no KUBE-NODE-PORT rule, one KUBE-POSTROUTING rule fewer
  const before = await ok('-f', withoutNginx, '--count', '--table', 'nat');
  t.is(
    before,
    [
      'TABLE   CHAIN                RULES',
      'nat     KUBE-LOAD-BALANCER   1',
      'nat     KUBE-MARK-MASQ       1',
      'nat     KUBE-NODE-PORT       0',
      'nat     KUBE-POSTROUTING     3',
      'nat     KUBE-SERVICES        4',
      'nat     total                9',
      '',
    ].join('\n'),
  );
  // the sync after the Service is created writes all of them again
  t.is(await ok('-f', TOPOLOGY, '--since', withoutNginx, '--count'), [HEADER, ...FILTER_COUNTS, ...nat, ''].join('\n'));
});

test('rules iptables --since on an IPVS node: the sync after the change, and the node as it then is', async (t) => {
  const restoreGolden = readFileSync('rulesets/ipvs-sh-affinity/k8s-node1.iptables-restore', 'utf8');
  t.is(await ok('-f', TOPOLOGY, '--since', withoutNginx, '--format', 'restore'), restoreGolden);
  t.is(await ok('-f', TOPOLOGY, '--since', withoutNginx), await ok('-f', TOPOLOGY));
  // and back: the Service deleted, its NodePort rules go
  t.is(await ok('-f', withoutNginx, '--since', TOPOLOGY, '--format', 'restore'), await ok('-f', withoutNginx, '--format', 'restore'));
  t.not(await ok('-f', withoutNginx, '--format', 'restore'), restoreGolden);
});
