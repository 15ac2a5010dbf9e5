// A small stub client: one question over UDP (falling back to TCP when the reply is truncated)
// or TCP. knet uses it to forward to an upstream resolver; tests use it against `knet dns serve`.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type RecordType } from 'dns-packet';
import { InputError } from '../api/errors.js';
import type { Question, Reply } from './answer.js';
import { fromWire, RCODES, type Rcode, type RR } from './rr.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** `1.2.3.4`, `1.2.3.4:53`, `[::1]:53` → host and port (default 53). */
export function parseEndpoint(text: string, flag: string): Endpoint {
  const m = text.match(/^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/) ?? text.match(/^([^:]+)(?::(\d+))?$/) ?? (net.isIPv6(text) ? [text, text, undefined] : null);
  const port = m?.[2] !== undefined ? Number(m[2]) : 53;
  if (!m || !net.isIP(m[1]!) || port < 0 || port > 65535) throw new InputError(`error: ${flag}: "${text}" is not ADDRESS[:PORT]`, 2);
  return { host: m[1]!, port };
}

/** A query packet; with `edns` an OPT record offers 1232-byte UDP replies. */
export function encodeQuery(q: Question, id: number, edns = true): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: q.type as RecordType, name: q.name.endsWith('.') && q.name !== '.' ? q.name.slice(0, -1) : q.name, class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as never] : [],
  });
}

function rrs(list: DecodedPacket['answers']): RR[] {
  return (list ?? []).map(fromWire).filter((x): x is RR => !!x);
}

export function toReply(p: DecodedPacket): Reply & { tc: boolean } {
  const rcode = ((p as { rcode?: string }).rcode ?? 'NOERROR') as Rcode;
  return {
    rcode: RCODES.includes(rcode) ? rcode : 'SERVFAIL',
    aa: p.flag_aa,
    tc: p.flag_tc,
    answer: rrs(p.answers),
    authority: rrs(p.authorities),
    additional: rrs(p.additionals),
    forwarded: false,
    by: 'none',
  };
}

export function udpExchange(server: Endpoint, payload: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no reply from ${server.host}:${server.port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(timer);
      sock.close();
      reject(e);
    });
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg);
    });
    sock.send(payload, server.port, server.host);
  });
}

/** Sends one length-prefixed message over TCP and collects reply messages until `done` says so. */
export function tcpExchange(server: Endpoint, payload: Buffer, timeoutMs: number, done: (p: DecodedPacket) => boolean = () => true): Promise<DecodedPacket[]> {
  return new Promise((resolve, reject) => {
    const out: DecodedPacket[] = [];
    let buf = Buffer.alloc(0);
    const sock = net.connect(server.port, server.host);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`TCP exchange with ${server.host}:${server.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(payload.length);
      sock.write(Buffer.concat([len, payload]));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const n = buf.readUInt16BE(0);
        const p = dnsPacket.decode(buf.subarray(2, 2 + n));
        buf = buf.subarray(2 + n);
        out.push(p);
        if (done(p)) {
          clearTimeout(timer);
          sock.end();
          resolve(out);
          return;
        }
      }
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** One question, UDP first and TCP when the UDP reply comes back truncated (as a stub resolver does). */
export async function query(server: Endpoint, q: Question, opts: { timeoutMs?: number; tcp?: boolean } = {}): Promise<Reply & { tc: boolean }> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const id = Math.floor(Math.random() * 65536);
  const payload = encodeQuery(q, id);
  if (!opts.tcp) {
    const r = toReply(dnsPacket.decode(await udpExchange(server, payload, timeoutMs)));
    if (!r.tc) return r;
  }
  const [p] = await tcpExchange(server, payload, timeoutMs);
  if (!p) throw new Error(`${server.host}:${server.port} closed the TCP connection without a reply`);
  return toReply(p);
}
