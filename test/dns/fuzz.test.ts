// 10,000 random and mutated packets against the DNS server on loopback (UDP, plus malformed TCP
// streams): it answers FORMERR or drops, never dies, and still answers valid queries afterwards.
import test from 'ava';
import dgram from 'node:dgram';
import net from 'node:net';
import { loadCluster } from '../../src/cluster/cluster.js';
import { encodeQuery, query } from '../../src/dns/client.js';
import { CorednsInstance } from '../../src/dns/instance.js';
import { startDnsServer } from '../../src/dns/server.js';
import { seededRandom as rng } from '../../src/dataplane/rng.js';

const NAMES = ['nginx.default.svc.cluster.local.', 'kube-dns.kube-system.svc.cluster.local.', '_dns._udp.kube-dns.kube-system.svc.cluster.local.', '10.0.1.10.in-addr.arpa.', 'cluster.local.', 'x.y.z.nginx.default.svc.cluster.local.'];
const TYPES = ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'NS', 'SOA', 'CNAME', 'MX', 'AXFR', 'HINFO'];

function packet(r: () => number, i: number): Buffer {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const kind = i % 5;
  if (kind === 0) return Buffer.from(Array.from({ length: Math.floor(r() * 600) }, () => Math.floor(r() * 256)));
  const base = encodeQuery({ name: pick(NAMES), type: pick(TYPES) }, Math.floor(r() * 65536), r() < 0.5);
  const b = Buffer.from(base);
  if (kind === 1) {
    for (let k = 0, n = 1 + Math.floor(r() * 6); k < n; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    return b;
  }
  if (kind === 2) return b.subarray(0, Math.floor(r() * b.length));
  if (kind === 3) {
    // Header games: counts, opcode, QR, and a compression pointer pointing at itself.
    const h = Buffer.from(b);
    h.writeUInt16BE(Math.floor(r() * 4), 4);
    h.writeUInt16BE(Math.floor(r() * 3), 6);
    h[2] = Math.floor(r() * 256);
    if (r() < 0.3) return Buffer.concat([h.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    return h;
  }
  return Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)))]);
}

test('fuzz: 10,000 random and mutated packets; the server keeps answering valid queries', async (t) => {
  const server = await startDnsServer(new CorednsInstance(loadCluster()), { host: '127.0.0.1', port: 0 });
  const sock = dgram.createSocket('udp4');
  let replies = 0;
  sock.on('message', () => replies++);
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  try {
    const r = rng(20260101);
    const TOTAL = 10_000;
    // Bursts small enough for the socket buffers, so the server really sees every packet.
    for (let i = 0; i < TOTAL; i += 50) {
      const end = Math.min(TOTAL, i + 50);
      for (let k = i; k < end; k++) sock.send(packet(r, k), server.address.port, '127.0.0.1');
      for (let w = 0; w < 100 && server.stats.udp < end; w++) await new Promise((res) => setTimeout(res, 2));
    }
    // Malformed TCP: short length prefixes, lengths beyond the data, garbage, early close.
    for (let i = 0; i < 50; i++) {
      await new Promise<void>((res) => {
        const c = net.connect(server.address.port, '127.0.0.1', () => {
          const p = packet(r, i);
          const len = Buffer.alloc(2);
          len.writeUInt16BE(i % 3 === 0 ? p.length + 50 : p.length);
          c.end(Buffer.concat([len, p]));
        });
        c.on('error', () => res());
        c.on('close', () => res());
        c.setTimeout(200, () => c.destroy());
      });
    }
    await new Promise((res) => setTimeout(res, 200));
    t.log(`UDP replies: ${replies}; server saw ${server.stats.udp} UDP and ${server.stats.tcp} TCP messages, ${server.stats.formerr} FORMERR, ${server.stats.dropped} dropped`);
    t.true(server.stats.udp >= 9_900, 'the server saw (nearly) every packet');
    t.true(server.stats.formerr > 0);
    const a = await query(server.address, { name: 'nginx.default.svc.cluster.local.', type: 'A' });
    t.deepEqual(a.answer.map((x) => x.data), ['10.1.0.2']);
    const srv = await query(server.address, { name: '_dns._udp.kube-dns.kube-system.svc.cluster.local.', type: 'SRV' }, { tcp: true });
    t.is(srv.answer.length, 1);
  } finally {
    sock.close();
    await server.close();
  }
});
