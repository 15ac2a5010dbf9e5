// What kube-proxy writes into the node's conntrack sysctls at start-up (its `conntrack` settings):
// the established and close-wait TCP timeouts (24h and 1h by default), TCP "be liberal", and the
// UDP timeouts when set. nf_conntrack_max (maxPerCore × CPUs) is left out: knet does not model
// a node's CPUs, and no packet it traces fills the table.
import type { Sysctls } from '../../kernel/sysctl.js';
import type { KubeProxyConfig } from '../../topology/config.js';
import { parseDuration } from '../../topology/duration.js';

export function applyConntrackSettings(sysctl: Sysctls, cfg: KubeProxyConfig): void {
  const c = cfg.conntrack;
  const seconds = (d: string): number => Math.floor((parseDuration(d) ?? 0) / 1000);
  const set = (key: string, d: string): void => {
    if (seconds(d) > 0) sysctl.set(`net.netfilter.${key}`, seconds(d));
  };
  set('nf_conntrack_tcp_timeout_established', c.tcpEstablishedTimeout);
  set('nf_conntrack_tcp_timeout_close_wait', c.tcpCloseWaitTimeout);
  if (c.tcpBeLiberal) sysctl.set('net.netfilter.nf_conntrack_tcp_be_liberal', 1);
  set('nf_conntrack_udp_timeout', c.udpTimeout);
  set('nf_conntrack_udp_timeout_stream', c.udpStreamTimeout);
}
