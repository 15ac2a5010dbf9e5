// The process `knet lab up` starts in a pod's (or node's) namespace for the sockets the cluster
// implies there: it answers every TCP connection and UDP datagram with one line naming who
// received it, on which address, and from whom, so `knet lab verify` can tell which backend a
// connection really reached and whether its source was rewritten on the way. A TCP client that
// speaks first with an HTTP/1.x request line (curl, wget) gets `HTTP/1.1 200 OK` with that line
// as the body; one that says nothing gets the line after a short wait.
//   node responder.js RECEIVER PROTO/PORT…      e.g. "pod default/nginx-0" tcp/80 udp/53
import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { hostPort } from '../net/ip.js';

const [receiver, ...listens] = process.argv.slice(2);
if (!receiver || listens.length === 0) {
  process.stderr.write('usage: responder RECEIVER PROTO/PORT…\n');
  process.exit(2);
}

/** The one answer line: `RECEIVER LOCAL_IP:PORT PEER_IP:PORT`. */
function answer(local: string, localPort: number, peer: string, peerPort: number): string {
  return `${receiver} ${hostPort(local, localPort)} ${hostPort(peer, peerPort)}\n`;
}

/** This namespace's addresses (IPv6: global ones): a UDP socket per address, so replies leave from the address asked. */
function localAddresses(): { address: string; v6: boolean }[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && (a.family === 'IPv4' || (a.family === 'IPv6' && a.scopeid === 0 && a.address !== '::1')))
    .map((a) => ({ address: a!.address, v6: a!.family === 'IPv6' }));
}
const hasIPv6 = localAddresses().some((a) => a.v6);

let pending = 0;
function listening(): void {
  if (--pending === 0) process.stdout.write('ready\n');
}

/** How long a silent TCP client is given before the line is sent unasked (nc, telnet). */
const SILENT_MS = 200;
const HTTP_REQUEST = /^[A-Z]+ \S+ HTTP\/1\.[01]\r?\n/;

function httpReply(body: string): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

for (const l of listens) {
  const [proto, portText] = l.split('/');
  const port = Number(portText);
  if (proto === 'tcp') {
    const onConnection = (sock: Socket): void => {
      sock.on('error', () => sock.destroy());
      const line = answer(sock.localAddress ?? '', sock.localPort ?? 0, sock.remoteAddress ?? '', sock.remotePort ?? 0);
      let heard = '';
      const timer = setTimeout(() => sock.end(line), SILENT_MS);
      sock.on('data', (d) => {
        heard += d.toString('latin1');
        // An HTTP request is answered once its header ends; anything else gets the line at once.
        if (/^[A-Z]+ /.test(heard) && !heard.includes('\n')) return;
        if (HTTP_REQUEST.test(heard) && !/\r?\n\r?\n/.test(heard)) return;
        clearTimeout(timer);
        if (!sock.writableEnded) sock.end(HTTP_REQUEST.test(heard) ? httpReply(line) : line);
      });
      sock.on('close', () => clearTimeout(timer));
    };
    pending++;
    createServer(onConnection).listen({ host: '0.0.0.0', port }, listening);
    // IPv6 on a socket of its own, so IPv4 peers keep their plain addresses on the first
    if (hasIPv6) {
      pending++;
      createServer(onConnection).listen({ host: '::', port, ipv6Only: true }, listening);
    }
  } else if (proto === 'udp') {
    for (const { address, v6 } of localAddresses()) {
      pending++;
      const sock = createSocket(v6 ? 'udp6' : 'udp4');
      sock.on('message', (_msg, rinfo) => sock.send(answer(address, port, rinfo.address, rinfo.port), rinfo.port, rinfo.address));
      sock.on('error', () => undefined);
      sock.bind({ address, port }, listening);
    }
  } else {
    process.stderr.write(`responder: unsupported ${l}\n`);
    process.exit(2);
  }
}
