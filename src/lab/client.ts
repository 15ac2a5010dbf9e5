// The probe `knet lab verify` runs inside a source namespace: it reads the flows to try as JSON on
// stdin, opens real connections (samples of one flow one after another, flows side by side) and
// prints what happened to each as JSON: who answered, or how it failed. A flow to a DNS server
// is a real DNS query asking for NSID (the server's line comes back in it); a `query` flow is a
// DNS lookup whose answer is compared with knet's.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { hostPort } from '../net/ip.js';

export interface ProbeFlow {
  id: number;
  proto: 'tcp' | 'udp';
  ip: string;
  port: number;
  samples: number;
  /** Ask as a DNS client: `nsid` (who answered) or a `query` whose answer is reported. */
  dns?: { mode: 'nsid' | 'query'; name: string; type: string };
}

export type ProbeOutcome = 'answered' | 'refused' | 'timeout' | 'unreachable' | 'reset' | 'error';

export interface ProbeResult {
  outcome: ProbeOutcome;
  /** The responder's line (answered only). */
  answer?: string;
  /** A DNS query's rcode and answer records (`name TYPE rdata`). */
  rcode?: string;
  records?: string[];
  /** The client's own address and port. */
  local?: string;
  code?: string;
}

function classify(code: string | undefined): ProbeOutcome {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  return 'error';
}

/** A DNS query with EDNS and an empty NSID option (RFC 5001). */
function query(d: NonNullable<ProbeFlow['dns']>): Buffer {
  const opt = { type: 'OPT', name: '.', udpPayloadSize: 1232, options: d.mode === 'nsid' ? [{ code: 3, data: Buffer.alloc(0) }] : [] };
  return dnsPacket.encode({ type: 'query', id: Math.floor(Math.random() * 65536), flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: d.type as 'A', name: d.name.replace(/\.$/, ''), class: 'IN' }], additionals: [opt as never] });
}

function dnsResult(f: ProbeFlow, p: DecodedPacket): ProbeResult {
  const rcode = (p as { rcode?: string }).rcode ?? 'NOERROR';
  if (f.dns!.mode === 'query') {
    const records = (p.answers ?? []).map((x) => {
      const a = x as { name: string; type: string; data: unknown };
      return `${a.name}. ${a.type} ${typeof a.data === 'string' ? (a.type === 'CNAME' ? `${a.data}.` : a.data) : JSON.stringify(a.data)}`;
    });
    return { outcome: 'answered', rcode, records };
  }
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT') as { options?: { code: number; data: Buffer }[] } | undefined;
  const nsid = opt?.options?.find((o) => o.code === 3)?.data.toString();
  return nsid ? { outcome: 'answered', answer: nsid, rcode } : { outcome: 'error', code: `a DNS reply (${rcode}) without NSID` };
}

function tcp(f: ProbeFlow, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let data = '';
    let local: string | undefined;
    const sock = connect({ host: f.ip, port: f.port });
    const done = (r: ProbeResult): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...r, ...(local ? { local } : {}) });
    };
    const timer = setTimeout(() => done({ outcome: 'timeout' }), timeoutMs);
    let raw = Buffer.alloc(0);
    sock.on('connect', () => {
      local = hostPort(sock.localAddress ?? '', sock.localPort ?? 0);
      if (f.dns) {
        const q = query(f.dns);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        sock.write(Buffer.concat([len, q]));
      } else sock.write('knet lab probe\n');
    });
    sock.on('data', (d) => {
      if (!f.dns) return void (data += d.toString());
      raw = Buffer.concat([raw, d]);
      if (raw.length >= 2 && raw.length >= 2 + raw.readUInt16BE(0)) done(dnsResult(f, dnsPacket.decode(raw.subarray(2, 2 + raw.readUInt16BE(0)))));
    });
    sock.on('end', () => done(data ? { outcome: 'answered', answer: data.trim() } : { outcome: 'reset', code: 'EOF' }));
    sock.on('error', (e: NodeJS.ErrnoException) => done({ outcome: classify(e.code), ...(e.code ? { code: e.code } : {}) }));
  });
}

function udp(f: ProbeFlow, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = createSocket(f.ip.includes(':') ? 'udp6' : 'udp4');
    let local: string | undefined;
    const done = (r: ProbeResult): void => {
      clearTimeout(timer);
      sock.close();
      resolve({ ...r, ...(local ? { local } : {}) });
    };
    const timer = setTimeout(() => done({ outcome: 'timeout' }), timeoutMs);
    sock.on('message', (msg) => done(f.dns ? dnsResult(f, dnsPacket.decode(msg)) : { outcome: 'answered', answer: msg.toString().trim() }));
    sock.on('error', (e: NodeJS.ErrnoException) => done({ outcome: classify(e.code), ...(e.code ? { code: e.code } : {}) }));
    sock.connect(f.port, f.ip, () => {
      const a = sock.address();
      local = hostPort(a.address, a.port);
      sock.send(f.dns ? query(f.dns) : 'knet lab probe\n');
    });
  });
}

async function probeFlow(f: ProbeFlow, timeoutMs: number): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (let i = 0; i < f.samples; i++) out.push(await (f.proto === 'tcp' ? tcp(f, timeoutMs) : udp(f, timeoutMs)));
  return out;
}

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const { timeoutMs, flows } = JSON.parse(input) as { timeoutMs: number; flows: ProbeFlow[] };
  const results = await Promise.all(flows.map(async (f) => ({ id: f.id, results: await probeFlow(f, timeoutMs) })));
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

await main();
