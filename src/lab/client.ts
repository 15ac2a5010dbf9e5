// The probe `knet lab verify` runs inside a source namespace: it reads the flows to try as JSON on
// stdin, opens real connections (samples of one flow one after another, flows side by side) and
// prints what happened to each as JSON: who answered, or how it failed.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export interface ProbeFlow {
  id: number;
  proto: 'tcp' | 'udp';
  ip: string;
  port: number;
  samples: number;
}

export type ProbeOutcome = 'answered' | 'refused' | 'timeout' | 'unreachable' | 'reset' | 'error';

export interface ProbeResult {
  outcome: ProbeOutcome;
  /** The responder's line (answered only). */
  answer?: string;
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
    sock.on('connect', () => (local = `${sock.localAddress}:${sock.localPort}`));
    sock.on('data', (d) => (data += d.toString()));
    sock.on('end', () => done(data ? { outcome: 'answered', answer: data.trim() } : { outcome: 'reset', code: 'EOF' }));
    sock.on('error', (e: NodeJS.ErrnoException) => done({ outcome: classify(e.code), ...(e.code ? { code: e.code } : {}) }));
  });
}

function udp(f: ProbeFlow, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    let local: string | undefined;
    const done = (r: ProbeResult): void => {
      clearTimeout(timer);
      sock.close();
      resolve({ ...r, ...(local ? { local } : {}) });
    };
    const timer = setTimeout(() => done({ outcome: 'timeout' }), timeoutMs);
    sock.on('message', (msg) => done({ outcome: 'answered', answer: msg.toString().trim() }));
    sock.on('error', (e: NodeJS.ErrnoException) => done({ outcome: classify(e.code), ...(e.code ? { code: e.code } : {}) }));
    sock.connect(f.port, f.ip, () => {
      const a = sock.address();
      local = `${a.address}:${a.port}`;
      sock.send('knet lab probe\n');
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
