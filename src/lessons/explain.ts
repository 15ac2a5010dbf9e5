// "Explain step": what one typed trace step means, in the words of a network course, in English
// and Chinese. Built from the step's own fields.
import type { Step } from '../dataplane/types.js';
import type { Lang } from './model.js';
import { hostPort } from '../net/ip.js';

function chainNote(chain: string, lang: Lang): string {
  const en: [RegExp, string][] = [
    [/^KUBE-SERVICES$/, 'kube-proxy\'s entry chain: one rule per Service port (ClusterIP, then nodeports last)'],
    [/^KUBE-SVC-/, 'one Service port\'s chain: it picks an endpoint with statistic coins (and recent for affinity)'],
    [/^KUBE-SEP-/, 'one endpoint\'s chain: it DNATs to that pod\'s IP:port (and marks hairpin traffic for masquerade)'],
    [/^KUBE-EXT-/, 'a Service\'s external traffic chain (NodePort, LoadBalancer): masquerade unless the policy is Local'],
    [/^KUBE-SVL-/, 'the local endpoints of an externalTrafficPolicy: Local Service'],
    [/^KUBE-NODEPORTS$/, 'the nodeport rules, reached only for addresses local to the node'],
    [/^KUBE-POSTROUTING$/, 'masquerades packets marked 0x4000 on the way in'],
    [/^KUBE-MARK-MASQ$/, 'sets mark 0x4000: masquerade this packet on the way out'],
    [/^KUBE-EXTERNAL-SERVICES$/, 'filter rules for external traffic: drops for Services without local endpoints'],
    [/^KUBE-FORWARD$/, 'lets forwarded traffic kube-proxy owns (marked, or established) through'],
    [/^FLANNEL-/, 'flanneld\'s chain: pod network traffic forwarded and not masqueraded inside 10.244.0.0/16'],
  ];
  const zh: Record<string, string> = {
    'KUBE-SERVICES': 'kube-proxy 的入口链：每个 Service 端口一条规则（先 ClusterIP，NodePort 在最后）',
    'KUBE-SVC-': '某个 Service 端口的链：用 statistic 随机数选一个 endpoint（会话保持时还用 recent）',
    'KUBE-SEP-': '某个 endpoint 的链：DNAT 到该 Pod 的 IP:端口（发夹流量打上伪装标记）',
    'KUBE-EXT-': 'Service 的外部流量链（NodePort、LoadBalancer）：策略不是 Local 时做伪装',
    'KUBE-SVL-': 'externalTrafficPolicy: Local 的 Service 的本地 endpoint',
    'KUBE-NODEPORTS': 'NodePort 规则，只有目的地址是本机地址时才会进入',
    'KUBE-POSTROUTING': '对进来时打了 0x4000 标记的包做 MASQUERADE',
    'KUBE-MARK-MASQ': '打上 0x4000 标记：出去时要做伪装',
    'KUBE-EXTERNAL-SERVICES': '外部流量的 filter 规则：没有本地 endpoint 的 Service 在这里被丢弃',
    'KUBE-FORWARD': '放行 kube-proxy 负责的转发流量（已标记或已建立连接）',
    'FLANNEL-': 'flanneld 的链：10.244.0.0/16 内的 Pod 流量放行、不做伪装',
  };
  if (lang === 'en') return en.find(([re]) => re.test(chain))?.[1] ?? 'a built-in chain of the netfilter hook';
  const key = Object.keys(zh).find((k) => (k.endsWith('-') ? chain.startsWith(k) : chain === k));
  return key ? zh[key]! : 'netfilter 钩子上的内置链';
}

/** kube-proxy's nftables chains (table ip kube-proxy). */
function nftChainNote(chain: string, lang: Lang): string {
  const notes: [RegExp, string, string][] = [
    [/^services$/, 'one lookup in the verdict map @service-ips on daddr . protocol . dport: the same cost for 3 Services or 30,000', '在 verdict map @service-ips 中按 目的地址 . 协议 . 目的端口 查找一次：3 个 Service 和 3 万个 Service 的开销一样'],
    [/^service-/, 'one Service port: `numgen random mod N` picks an endpoint from a map in one step', '某个 Service 端口：`numgen random mod N` 一步从映射表中选出一个 endpoint'],
    [/^endpoint-/, 'one endpoint: the DNAT to the pod (and the mark for hairpin traffic)', '某个 endpoint：DNAT 到该 Pod（发夹流量打上伪装标记）'],
    [/^external-/, 'a Service\'s external traffic: masquerade unless the policy is Local', 'Service 的外部流量：策略不是 Local 时做伪装'],
    [/^masquerading$/, 'masquerades packets that carry mark 0x4000', '对带有 0x4000 标记的包做伪装'],
    [/^(filter|nat)-/, 'a base chain kube-proxy hooks into netfilter at a priority', 'kube-proxy 以某个优先级挂到 netfilter 钩子上的基础链'],
  ];
  const n = notes.find(([re]) => re.test(chain));
  return n ? n[lang === 'en' ? 1 : 2] : lang === 'en' ? 'a chain of the kube-proxy table' : 'kube-proxy 表中的一条链';
}

export function explainStep(s: Step, lang: Lang): string {
  const en = lang === 'en';
  switch (s.kind) {
    case 'enter-interface':
      return en ? `The packet arrives on ${s.dev}.` : `数据包从 ${s.dev} 进入。`;
    case 'exit-interface':
      return en ? `The packet leaves by ${s.dev}.` : `数据包从 ${s.dev} 发出。`;
    case 'route':
      return en
        ? `Routing: the longest-prefix match in table ${s.table} for ${s.dst} is "${s.route.trim()}".${s.table === 'local' ? ' A local route: the address belongs to this machine, so the packet goes up to INPUT.' : ''}`
        : `路由：在 ${s.table} 表中为 ${s.dst} 做最长前缀匹配，命中 "${s.route.trim()}"。${s.table === 'local' ? '这是 local 路由：地址属于本机，数据包交给 INPUT。' : ''}`;
    case 'no-route':
      return en ? `No route matches ${s.dst}: the kernel answers "network unreachable".` : `没有路由能匹配 ${s.dst}：内核返回"网络不可达"。`;
    case 'neighbour':
      return en
        ? `${s.ndp ? 'NDP' : 'ARP'}/neighbour table: the next hop ${s.ip} has MAC ${s.lladdr} on ${s.dev} (${s.state}${s.state === 'PERMANENT' ? `: flanneld wrote it, no ${s.ndp ? 'neighbour solicitation' : 'ARP request'} is sent` : ''}).`
        : `邻居表（${s.ndp ? 'NDP' : 'ARP'}）：下一跳 ${s.ip} 在 ${s.dev} 上的 MAC 是 ${s.lladdr}（${s.state}${s.state === 'PERMANENT' ? `：由 flanneld 写入，不发${s.ndp ? '邻居请求' : ' ARP 请求'}` : ''}）。`;
    case 'bridge':
      return en
        ? `The bridge ${s.bridge} looks ${s.mac} up in its forwarding database (FDB) and switches the frame from port ${s.in} to port ${s.out}.${s.hairpin ? ' Hairpin: out by the same port it came in, allowed because the port has hairpin mode on.' : ''}`
        : `网桥 ${s.bridge} 在转发表（FDB）中查找 ${s.mac}，把帧从端口 ${s.in} 交换到端口 ${s.out}。${s.hairpin ? '发夹（hairpin）：从进来的同一个端口出去，因为该端口开启了 hairpin 模式。' : ''}`;
    case 'veth':
      return en
        ? `A veth pair is a cable between two network namespaces: what leaves ${s.from} comes out of ${s.to}.`
        : `veth 对是连接两个网络命名空间的"网线"：从 ${s.from} 发出的包从 ${s.to} 出来。`;
    case 'netfilter': {
      const coin = s.probability !== undefined ? (en ? ` (a random coin with p=${s.probability}: ${s.taken ? 'taken' : 'not taken'})` : `（概率 p=${s.probability} 的随机判定：${s.taken ? '命中' : '未命中'}）`) : '';
      if (s.tool === 'nft') {
        return en
          ? `nftables table ${s.table}, chain ${s.chain}, rule ${s.position} matched${coin}. ${nftChainNote(s.chain, lang)}.`
          : `nftables 的 ${s.table} 表、${s.chain} 链第 ${s.position} 条规则匹配${coin}。${nftChainNote(s.chain, lang)}。`;
      }
      return en
        ? `iptables ${s.table} table, chain ${s.chain}, rule ${s.position} matched${coin}. ${chainNote(s.chain, lang)}.`
        : `iptables 的 ${s.table} 表、${s.chain} 链第 ${s.position} 条规则匹配${coin}。${chainNote(s.chain, lang)}。`;
    }
    case 'policy':
      return en ? `No rule of ${s.table} ${s.chain} decided; the chain's policy ${s.verdict} applies.` : `${s.table} 表 ${s.chain} 链没有规则做出决定，执行链的默认策略 ${s.verdict}。`;
    case 'nat':
      return en
        ? `${s.nat}: the ${s.field === 'dst' ? 'destination' : 'source'} changes from ${s.before} to ${s.after}.${s.nat === 'DNAT' ? ' conntrack remembers it, so the reply is rewritten back.' : s.nat.startsWith('un-') ? ' conntrack undoes the NAT of the first packet on this reply.' : ' The receiver now sees this address as the source.'}`
        : `${s.nat}：${s.field === 'dst' ? '目的' : '源'}地址从 ${s.before} 改为 ${s.after}。${s.nat === 'DNAT' ? 'conntrack 记下这次转换，回包会被改回来。' : s.nat.startsWith('un-') ? 'conntrack 在回包上撤销首包的 NAT。' : '接收方看到的源地址变成了这个地址。'}`;
    case 'conntrack':
      return en
        ? `conntrack ${s.action}: ${s.action === 'new' ? 'the first packet creates a connection entry (original and reply tuples)' : s.action === 'reply' ? 'the packet matches an entry\'s reply tuple' : 'the packet belongs to a known connection'}.`
        : `conntrack ${s.action}：${s.action === 'new' ? '首包创建一条连接记录（原方向和回复方向两个元组）' : s.action === 'reply' ? '数据包匹配某条记录的回复方向元组' : '数据包属于已知连接'}。`;
    case 'ttl':
      if (s.hopLimit) return en ? `Routed, so the IPv6 hop limit drops by one: ${s.before} → ${s.after} (bridged frames keep it).` : `经过路由转发，IPv6 跳数限制（hop limit）减一：${s.before} → ${s.after}（网桥转发的帧不变）。`;
      return en ? `Routed, so the TTL drops by one: ${s.before} → ${s.after} (bridged frames keep their TTL).` : `经过路由转发，TTL 减一：${s.before} → ${s.after}（网桥转发的帧不改 TTL）。`;
    case 'vxlan-encap':
      return en
        ? `VXLAN: ${s.dev} wraps the whole Ethernet frame in UDP ${s.srcPort} → ${hostPort(s.outerDst, s.dstPort)} (VNI ${s.vni}), outer IP ${s.outerSrc} → ${s.outerDst}. The inner destination MAC ${s.innerDstMac} is the remote VTEP (from the neighbour table), and the FDB maps it to the remote node. The 50 bytes of headers are why the MTU is ${s.mtu}.`
        : `VXLAN：${s.dev} 把整个以太网帧封装进 UDP ${s.srcPort} → ${hostPort(s.outerDst, s.dstPort)}（VNI ${s.vni}），外层 IP ${s.outerSrc} → ${s.outerDst}。内层目的 MAC ${s.innerDstMac} 是对端 VTEP（来自邻居表），FDB 把它映射到对端节点。多出的 50 字节封装头就是 MTU 为 ${s.mtu} 的原因。`;
    case 'vxlan-decap':
      return en ? `The node receives UDP 8472 from ${s.outerSrc}, strips the VXLAN headers (VNI ${s.vni}) and the inner frame appears on ${s.dev}.` : `节点收到来自 ${s.outerSrc} 的 UDP 8472，剥掉 VXLAN 头（VNI ${s.vni}），内层帧出现在 ${s.dev} 上。`;
    case 'underlay':
      return en ? `On the node network (the underlay): ${s.from} → ${s.to} over ${s.dev}.` : `在节点网络（底层网络）上传输：${s.from} → ${s.to}，经 ${s.dev}。`;
    case 'deliver':
      return en ? `A socket is listening: ${s.socket} belongs to ${s.owner}.` : `有套接字在监听：${s.socket} 属于 ${s.owner}。`;
    case 'ipvs':
      return en
        ? `IPVS virtual server ${s.service}: the ${s.scheduler} scheduler picks real server ${s.real} (${s.decidedBy})${s.persistent ? ', from a persistence template (session affinity)' : ''}.`
        : `IPVS 虚拟服务 ${s.service}：${s.scheduler} 调度算法选中真实服务器 ${s.real}（${s.decidedBy}）${s.persistent ? '，来自持久连接模板（会话保持）' : ''}。`;
    case 'exit-network':
      return en
        ? `The packet leaves the modelled machines by ${s.dev} towards ${s.nexthop}, with source ${s.src}.`
        : `数据包经 ${s.dev} 发往 ${s.nexthop}，离开了模拟的机器，源地址为 ${s.src}。`;
    case 'note':
      return s.text;
  }
}
