// The process `knet lab up` starts in each CoreDNS pod's namespace: knet's own DNS server
// (src/dns/server.ts) answering as that CoreDNS instance, on the pod IPs, UDP and TCP port 53.
// A client that asks for NSID (RFC 5001, as CoreDNS's nsid plugin answers) gets the line the
// responders give — who answered, on which address, from whom — so `knet lab verify` can tell
// which CoreDNS a query reached.
//   node dns.js NS/POD POD_IP[,POD_IPV6] [TOPOLOGY_FILE…]
import { loadCluster } from '../cluster/cluster.js';
import { CorednsInstance } from '../dns/instance.js';
import { startDnsServer } from '../dns/server.js';
import { hostPort } from '../net/ip.js';

const [pod, ips, ...files] = process.argv.slice(2);
if (!pod || !ips) {
  process.stderr.write('usage: dns NS/POD POD_IP[,POD_IPV6] [TOPOLOGY_FILE…]\n');
  process.exit(2);
}
const cluster = loadCluster(files);
const inst = new CorednsInstance(cluster, { instance: pod });
for (const w of inst.warnings) process.stderr.write(`Warning: ${w}\n`);
/** The DNS server's plain `address:port`, as traces write it (an IPv6 address in brackets). */
const bracketed = (ipPort: string): string => {
  const i = ipPort.lastIndexOf(':');
  return hostPort(ipPort.slice(0, i), Number(ipPort.slice(i + 1)));
};
for (const ip of ips.split(',')) {
  await startDnsServer(inst, { host: ip, port: 53 }, { nsid: ({ local, client }) => `pod ${pod} ${bracketed(local)} ${bracketed(client)}` });
}
process.stdout.write('ready\n');
