// A real DNS server over the record set: UDP (truncated with TC when the reply does not fit,
// so clients retry over TCP) and TCP (length-prefixed, AXFR streams). Malformed packets get
// FORMERR when their header is readable and are dropped otherwise; nothing a client sends can
// stop the server.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import { log } from '../log.js';
import { emptyReply, type Question, type Reply } from './answer.js';
import type { Endpoint } from './client.js';
import type { CorednsInstance } from './instance.js';
import { RCODES, toWire, type Rcode, type RR } from './rr.js';

const UDP_MIN = 512;
const UDP_MAX = 4096;
const TCP_IDLE_MS = 10_000;
/** Records per message of an AXFR stream. */
const AXFR_CHUNK = 100;

export interface DnsServer {
  address: Endpoint;
  close(): Promise<void>;
  stats: { udp: number; tcp: number; formerr: number; dropped: number };
}

const rcodeNumber = (r: Rcode): number => RCODES.indexOf(r);

/** A header-only reply for a packet that could not be decoded beyond its header. */
function headerReply(req: Buffer, rcode: Rcode): Buffer {
  const out = Buffer.alloc(12);
  req.copy(out, 0, 0, 2);
  const opcode = (req[2]! >> 3) & 0x0f;
  const rd = req[2]! & 0x01;
  out[2] = 0x80 | (opcode << 3) | rd;
  out[3] = rcodeNumber(rcode) & 0x0f;
  return out;
}

function ednsSize(p: DecodedPacket): number | undefined {
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  if (!opt) return undefined;
  return Math.min(UDP_MAX, Math.max(UDP_MIN, opt.udpPayloadSize ?? UDP_MIN));
}

/** NSID (RFC 5001), EDNS option 3: a client asks with an empty option, the server names itself. */
const NSID = 3;

function wantsNsid(p: DecodedPacket): boolean {
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT') as { options?: { code: number }[] } | undefined;
  return !!opt?.options?.some((o) => o.code === NSID);
}

function encodeReply(req: DecodedPacket, r: Reply, sections: { answer: RR[]; authority: RR[]; additional: RR[] }, tc = false, nsid?: string): Buffer {
  const rd = req.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  const flags = (r.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | rd | (tc ? dnsPacket.TRUNCATED_RESPONSE : 0) | rcodeNumber(r.rcode);
  const additionals: Answer[] = sections.additional.map(toWire);
  if (ednsSize(req) !== undefined) {
    const options = nsid !== undefined && wantsNsid(req) ? [{ code: NSID, data: Buffer.from(nsid) }] : [];
    additionals.push({ type: 'OPT', name: '.', udpPayloadSize: UDP_MAX, options } as never);
  }
  const p: Packet = {
    type: 'response',
    id: req.id ?? 0,
    flags,
    questions: req.questions ?? [],
    answers: sections.answer.map(toWire),
    authorities: sections.authority.map(toWire),
    additionals,
  };
  return dnsPacket.encode(p);
}

/** Fits a reply into `size` bytes: additional records go first, then answers; TC marks a cut answer. */
function fitUDP(req: DecodedPacket, r: Reply, size: number, nsid?: string): Buffer {
  const full = encodeReply(req, r, r, false, nsid);
  if (full.length <= size) return full;
  const noExtra = encodeReply(req, r, { ...r, additional: [] }, false, nsid);
  if (noExtra.length <= size) return noExtra;
  let n = r.answer.length;
  let buf = encodeReply(req, r, { answer: [], authority: [], additional: [] }, true, nsid);
  while (n > 0) {
    const b = encodeReply(req, r, { answer: r.answer.slice(0, n), authority: [], additional: [] }, true, nsid);
    if (b.length <= size) {
      buf = b;
      break;
    }
    n = Math.floor(n / 2);
  }
  return buf;
}

export interface ServerOptions {
  /** The NSID this server gives a client that asks (as CoreDNS's nsid plugin), from the addresses of the exchange. */
  nsid?: (exchange: { local: string; client: string; transport: 'udp' | 'tcp' }) => string;
}

export async function startDnsServer(inst: CorednsInstance, listen: Endpoint, opts: ServerOptions = {}): Promise<DnsServer> {
  // With port 0 the kernel picks the UDP port; TCP may find that number taken: pick again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await listenOnce(inst, listen, opts);
    } catch (e) {
      if (listen.port !== 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 8) throw e;
    }
  }
}

async function listenOnce(inst: CorednsInstance, listen: Endpoint, opts: ServerOptions): Promise<DnsServer> {
  const stats = { udp: 0, tcp: 0, formerr: 0, dropped: 0 };
  const family = net.isIPv6(listen.host) ? 'udp6' : 'udp4';

  /** Decodes and answers one message; undefined means drop. */
  /** `client` and `local` are `address:port`. */
  async function handle(msg: Buffer, transport: 'udp' | 'tcp', client: string, local: string): Promise<Buffer[] | undefined> {
    if (msg.length < 12) {
      stats.dropped++;
      return undefined;
    }
    if (msg[2]! & 0x80) {
      stats.dropped++; // a response sent to us: never answer it (no reflection loops)
      return undefined;
    }
    let req: DecodedPacket;
    try {
      req = dnsPacket.decode(msg);
    } catch {
      stats.formerr++;
      return [headerReply(msg, 'FORMERR')];
    }
    const opcode = (msg[2]! >> 3) & 0x0f;
    if (opcode !== 0) return [headerReply(msg, 'NOTIMP')];
    const qs = req.questions ?? [];
    if (qs.length !== 1 || typeof qs[0]!.name !== 'string') {
      stats.formerr++;
      return [headerReply(msg, 'FORMERR')];
    }
    const rq = qs[0]!;
    const name = rq.name === '' || rq.name === '.' ? '.' : `${rq.name}.`;
    const q: Question = { name, type: String(rq.type) };
    let r: Awaited<ReturnType<CorednsInstance['query']>>;
    if (rq.class !== undefined && rq.class !== 'IN') r = emptyReply('REFUSED');
    else r = await inst.query(q, { transport, client: client.slice(0, client.lastIndexOf(':')), shuffle: true });
    const nsid = opts.nsid?.({ local, client, transport });
    if ('records' in r) {
      const out: Buffer[] = [];
      for (let i = 0; i < r.records.length; i += AXFR_CHUNK) {
        const chunk = r.records.slice(i, i + AXFR_CHUNK);
        out.push(encodeReply(req, { ...emptyReply('NOERROR'), aa: true }, { answer: chunk, authority: [], additional: [] }));
      }
      return out;
    }
    if (transport === 'udp') return [fitUDP(req, r, ednsSize(req) ?? UDP_MIN, nsid)];
    return [encodeReply(req, r, r, false, nsid)];
  }

  const safe = async (msg: Buffer, transport: 'udp' | 'tcp', client: string, local: string): Promise<Buffer[] | undefined> => {
    try {
      return await handle(msg, transport, client, local);
    } catch (e) {
      log().error({ err: (e as Error).message }, 'DNS handler failed');
      return msg.length >= 12 ? [headerReply(msg, 'SERVFAIL')] : undefined;
    }
  };

  // A deep receive buffer so bursts (dnsperf keeps hundreds in flight) are queued, not dropped.
  const udp = dgram.createSocket({ type: family, recvBufferSize: 4 << 20 });
  let udpOpen = true;
  const closeUdp = (): void => {
    udpOpen = false;
    udp.close();
  };
  udp.on('message', (msg, rinfo) => {
    stats.udp++;
    void safe(msg, 'udp', `${rinfo.address}:${rinfo.port}`, `${udp.address().address}:${udp.address().port}`).then((out) => {
      // An answer that comes back after the socket closed has nobody to go to.
      if (udpOpen) for (const b of out ?? []) udp.send(b, rinfo.port, rinfo.address);
    });
  });
  udp.on('error', (e) => log().error({ err: e.message }, 'UDP socket error'));
  await new Promise<void>((res, rej) => {
    udp.once('error', rej);
    udp.bind(listen.port, listen.host, () => {
      udp.off('error', rej);
      res();
    });
  });
  const port = udp.address().port;

  const conns = new Set<net.Socket>();
  const tcp = net.createServer((sock) => {
    conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const n = buf.readUInt16BE(0);
        const msg = buf.subarray(2, 2 + n);
        buf = buf.subarray(2 + n);
        stats.tcp++;
        chain = chain.then(async () => {
          const out = await safe(msg, 'tcp', `${sock.remoteAddress ?? ''}:${sock.remotePort ?? 0}`, `${sock.localAddress ?? ''}:${sock.localPort ?? 0}`);
          if (!out) {
            sock.destroy();
            return;
          }
          for (const b of out) {
            const len = Buffer.alloc(2);
            len.writeUInt16BE(b.length);
            if (!sock.destroyed) sock.write(Buffer.concat([len, b]));
          }
        });
      }
    });
    // The client has sent all it will: answer what is complete, then close our side.
    sock.on('end', () => void chain.then(() => sock.end()));
    sock.on('error', () => sock.destroy());
    sock.on('close', () => conns.delete(sock));
  });
  await new Promise<void>((res, rej) => {
    // The UDP socket is already bound: let it go too, or the process would never exit.
    const failed = (e: Error): void => {
      closeUdp();
      rej(e);
    };
    tcp.once('error', failed);
    tcp.listen(port, listen.host, () => {
      tcp.off('error', failed);
      res();
    });
  });

  return {
    address: { host: listen.host, port },
    stats,
    close: () =>
      new Promise<void>((res) => {
        for (const c of conns) c.destroy();
        closeUdp();
        tcp.close(() => res());
      }),
  };
}
