// A loopback stand-in for the resolver CoreDNS forwards to: serves fixed records (the DNS
// vectors' `upstream` lines: "name TTL IN TYPE rdata", or "* NXDOMAIN") and records what it was asked.
import dgram from 'node:dgram';
import dnsPacket, { type Answer } from 'dns-packet';

export interface FakeUpstream {
  port: number;
  asked: string[];
  close(): Promise<void>;
}

function parseRecord(line: string): Answer | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 5) return undefined;
  const [name, ttl, , type, ...rdata] = f as [string, string, string, string, ...string[]];
  const bare = (n: string): string => n.replace(/\.$/, '');
  const h = { name: bare(name), ttl: Number(ttl), class: 'IN' as const };
  switch (type) {
    case 'A':
    case 'AAAA':
      return { ...h, type, data: rdata[0]! };
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { ...h, type, data: bare(rdata[0]!) };
    case 'TXT':
      return { ...h, type: 'TXT', data: rdata.join(' ').replace(/^"|"$/g, '') };
    default:
      return undefined;
  }
}

export async function startFakeUpstream(lines: string[] = []): Promise<FakeUpstream> {
  const records = lines.map(parseRecord).filter((r): r is Answer => !!r);
  const asked: string[] = [];
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let q;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = q.questions?.[0];
    if (!question) return;
    asked.push(`${question.name}. ${question.type}`);
    const answers = records.filter((r) => r.name.toLowerCase() === question.name.toLowerCase() && r.type === question.type);
    const nameKnown = records.some((r) => r.name.toLowerCase() === question.name.toLowerCase());
    const rcode = answers.length || nameKnown ? 0 : 3;
    sock.send(dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions ?? [], answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  return { port: sock.address().port, asked, close: () => new Promise((res) => sock.close(() => res())) };
}
