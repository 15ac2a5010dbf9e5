// The process `knet lab up` starts in a pod's (or node's) namespace for the sockets the cluster
// implies there: it answers every TCP connection and UDP datagram with one line naming who
// received it, on which address, and from whom, so `knet lab verify` can tell which backend a
// connection really reached and whether its source was rewritten on the way.
//   node responder.js RECEIVER PROTO/PORT…      e.g. "pod default/nginx-0" tcp/80 udp/53
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';

const [receiver, ...listens] = process.argv.slice(2);
if (!receiver || listens.length === 0) {
  process.stderr.write('usage: responder RECEIVER PROTO/PORT…\n');
  process.exit(2);
}

/** The one answer line: `RECEIVER LOCAL_IP:PORT PEER_IP:PORT`. */
function answer(local: string, localPort: number, peer: string, peerPort: number): string {
  return `${receiver} ${local}:${localPort} ${peer}:${peerPort}\n`;
}

/** IPv4 addresses of this namespace: a UDP socket per address, so replies leave from the address asked. */
function localAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4')
    .map((a) => a!.address);
}

let pending = 0;
function listening(): void {
  if (--pending === 0) process.stdout.write('ready\n');
}

for (const l of listens) {
  const [proto, portText] = l.split('/');
  const port = Number(portText);
  if (proto === 'tcp') {
    pending++;
    const server = createServer((sock) => {
      sock.on('error', () => sock.destroy());
      sock.end(answer(sock.localAddress ?? '', sock.localPort ?? 0, sock.remoteAddress ?? '', sock.remotePort ?? 0));
    });
    server.listen({ host: '0.0.0.0', port }, listening);
  } else if (proto === 'udp') {
    for (const address of localAddresses()) {
      pending++;
      const sock = createSocket('udp4');
      sock.on('message', (_msg, rinfo) => sock.send(answer(address, port, rinfo.address, rinfo.port), rinfo.port, rinfo.address));
      sock.on('error', () => undefined);
      sock.bind({ address, port }, listening);
    }
  } else {
    process.stderr.write(`responder: unsupported ${l}\n`);
    process.exit(2);
  }
}
