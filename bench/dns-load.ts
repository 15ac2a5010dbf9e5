// A loopback DNS load generator (used when dnsperf is not installed): keeps N queries in flight
// over UDP for T seconds and prints completed queries per second as JSON.
// Usage: dns-load.ts PORT SECONDS INFLIGHT QUERYFILE   (query file: "name TYPE" per line)
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { encodeQuery } from '../src/dns/client.js';

const [port, seconds, inflight, file] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4]), process.argv[5]!];
const queries = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [name, type] = l.split(/\s+/) as [string, string];
  return { name, type };
});
const sock = dgram.createSocket('udp4');
let sent = 0;
let done = 0;
let lost = 0;
const pending = new Map<number, number>();
const end = performance.now() + seconds * 1000;
const send = (): void => {
  if (performance.now() >= end) return;
  const id = sent++ & 0xffff;
  pending.set(id, performance.now());
  sock.send(encodeQuery(queries[sent % queries.length]!, id), port, '127.0.0.1');
};
sock.on('message', (msg) => {
  const id = msg.readUInt16BE(0);
  if (pending.delete(id)) done++;
  send();
});
// Replies lost on the way are retired after a second so the window keeps moving.
const reaper = setInterval(() => {
  const now = performance.now();
  for (const [id, t] of pending) if (now - t > 1000) {
    pending.delete(id);
    lost++;
    send();
  }
}, 100);
sock.bind(0, '127.0.0.1', () => {
  const t0 = performance.now();
  for (let i = 0; i < inflight; i++) send();
  setTimeout(() => {
    clearInterval(reaper);
    sock.close();
    const secs = (performance.now() - t0) / 1000;
    process.stdout.write(`${JSON.stringify({ qps: done / secs, completed: done, lost })}\n`);
  }, seconds * 1000 + 200);
});
