// glibc's stub resolver, as resolv/res_send.c, res_query.c and res_init.c behave (glibc 2.3x):
// the resolv.conf options it reads, how one query goes round the nameservers (send_dg and
// __res_context_send) and how the search list is walked (__res_context_search). The network is
// a function: what happens to one datagram sent to one nameserver.
import type { Reply } from './answer.js';
import { fqdn } from './names.js';
import type { ResolvConf } from './resolvconf.js';

/** res_init.c limits: RES_MAXNDOTS, RES_MAXRETRANS, RES_MAXRETRY; defaults RES_TIMEOUT, RES_DFLRETRY. */
const MAX_NDOTS = 15;
const MAX_TIMEOUT = 30;
const MAX_ATTEMPTS = 5;
/** MAXNS: nameserver lines past the third are ignored. */
const MAXNS = 3;

export interface ResolverOptions {
  ndots: number;
  /** Seconds (RES_TIMEOUT 5). */
  timeout: number;
  /** Rounds over the nameservers (RES_DFLRETRY 2). */
  attempts: number;
  /** Options glibc knows that knet does not model (said in the walk). */
  unmodelled: string[];
}

const MODELLED = new Set(['ndots', 'timeout', 'attempts']);
const KNOWN = new Set(['debug', 'rotate', 'edns0', 'single-request', 'single-request-reopen', 'no-tld-query', 'use-vc', 'no-reload', 'trust-ad', 'no-aaaa', 'inet6', 'ip6-bytestring', 'ip6-dotint', 'no-ip6-dotint', 'no-check-names', 'insecure1', 'insecure2']);

/** The options line as res_init reads it: `name:N` with atoi and a cap; later words win. */
export function resolverOptions(conf: ResolvConf): ResolverOptions {
  const o: ResolverOptions = { ndots: 1, timeout: 5, attempts: 2, unmodelled: [] };
  for (const word of conf.options) {
    const [name, value] = word.split(':', 2) as [string, string | undefined];
    const n = Number.parseInt(value ?? '', 10);
    const atoi = Number.isNaN(n) ? 0 : Math.max(0, n);
    if (name === 'ndots' && value !== undefined) o.ndots = Math.min(atoi, MAX_NDOTS);
    else if (name === 'timeout' && value !== undefined) o.timeout = Math.min(atoi, MAX_TIMEOUT);
    else if (name === 'attempts' && value !== undefined) o.attempts = Math.min(atoi, MAX_ATTEMPTS);
    else if (!MODELLED.has(name) && KNOWN.has(name)) o.unmodelled.push(word);
  }
  return o;
}

/**
 * What became of one datagram: a reply; an ICMP error, which the socket reports at once (glibc
 * turns on IP_RECVERR); or nothing.
 */
export type Delivery =
  | { kind: 'reply'; reply: Reply; from: string }
  | { kind: 'icmp'; icmp: 'port unreachable' | 'net unreachable' | 'time exceeded'; why: string }
  | { kind: 'timeout'; why: string };

/** What happens to a query for `name` sent to `nameserver`. */
export type Network = (nameserver: string, name: string, type: string) => Promise<Delivery>;

export interface Send {
  nameserver: string;
  /** 1-based round over the nameservers. */
  attempt: number;
  delivery: Delivery;
  /** Time spent waiting on this send (only a timeout costs time). */
  seconds: number;
}

export type HErrno = 'HOST_NOT_FOUND' | 'NO_DATA' | 'TRY_AGAIN' | 'NO_RECOVERY';

export interface QueryRun {
  fqdn: string;
  type: string;
  sends: Send[];
  /** The reply res_query looked at (the one res_send returned), if any. */
  reply?: Reply;
  /** res_query's result: success (a reply with records) or the h_errno it set. */
  result: 'SUCCESS' | HErrno;
  /** When res_send gave up: the errno it left (ECONNREFUSED: no server answered at all). */
  errno?: 'ECONNREFUSED' | 'ETIMEDOUT';
  /** The rcode in the answer buffer when res_search looks at it (the last reply received, else NOERROR). */
  bufferRcode: string;
  seconds: number;
}

/**
 * send_dg's wait for nameserver number `ns` (0-based): `retrans << ns`, divided by the number of
 * nameservers for all but the first, at least one second.
 */
export function sendTimeout(timeout: number, ns: number, nscount: number): number {
  let s = timeout * 2 ** ns;
  if (ns > 0) s = Math.floor(s / nscount);
  return Math.max(1, s);
}

/** One res_query: every round over the nameservers until a usable reply, then its classification. */
async function resQuery(name: string, type: string, nameservers: string[], o: ResolverOptions, net: Network): Promise<QueryRun> {
  const run: QueryRun = { fqdn: fqdn(name), type, sends: [], result: 'TRY_AGAIN', bufferRcode: 'NOERROR', seconds: 0 };
  let gotsomewhere = false;
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    for (const [i, ns] of nameservers.entries()) {
      const d = await net(ns, run.fqdn, type);
      const seconds = d.kind === 'timeout' ? sendTimeout(o.timeout, i, nameservers.length) : 0;
      run.sends.push({ nameserver: ns, attempt, delivery: d, seconds });
      run.seconds += seconds;
      if (d.kind === 'timeout') {
        gotsomewhere = true;
        continue;
      }
      if (d.kind === 'icmp') continue;
      gotsomewhere = true;
      run.bufferRcode = d.reply.rcode;
      // SERVFAIL, NOTIMP and REFUSED send the query on to the next nameserver.
      if (d.reply.rcode === 'SERVFAIL' || d.reply.rcode === 'NOTIMP' || d.reply.rcode === 'REFUSED') continue;
      run.reply = d.reply;
      run.result = classify(d.reply);
      return run;
    }
  }
  run.errno = gotsomewhere ? 'ETIMEDOUT' : 'ECONNREFUSED';
  return run;
}

/** res_query's reading of a reply: records mean success, otherwise the rcode decides. */
function classify(r: Reply): QueryRun['result'] {
  if (r.rcode === 'NOERROR') return r.answer.length > 0 ? 'SUCCESS' : 'NO_DATA';
  if (r.rcode === 'NXDOMAIN') return 'HOST_NOT_FOUND';
  if (r.rcode === 'SERVFAIL') return 'TRY_AGAIN';
  return 'NO_RECOVERY';
}

export interface SearchRun {
  queries: QueryRun[];
  /** The successful query, if any. */
  answer?: QueryRun;
  herrno?: HErrno;
  /** Why the walk stopped before the end of its list, if it did. */
  stopped?: string;
  seconds: number;
}

/**
 * __res_context_search: the name as typed first when it has ndots dots (or a trailing dot, then
 * nothing else), then each search domain; NXDOMAIN and NODATA go on, a SERVFAIL in the answer
 * buffer goes on, anything else (a timeout, REFUSED) stops the list, and ECONNREFUSED from every
 * server ends the lookup at once. The name as typed comes last unless tried already.
 */
export async function resSearch(name: string, type: string, conf: ResolvConf, o: ResolverOptions, net: Network): Promise<SearchRun> {
  const nameservers = conf.nameservers.slice(0, MAXNS);
  const out: SearchRun = { queries: [], seconds: 0 };
  const query = async (n: string): Promise<QueryRun> => {
    const q = await resQuery(n, type, nameservers, o, net);
    out.queries.push(q);
    out.seconds += q.seconds;
    if (q.result === 'SUCCESS') out.answer = q;
    return q;
  };
  const trailingDot = name.endsWith('.');
  const dots = [...name].filter((c) => c === '.').length;
  let saved: HErrno | undefined;
  let triedAsIs = false;
  if (dots >= o.ndots || trailingDot) {
    const q = await query(name);
    if (q.result === 'SUCCESS' || trailingDot) return { ...out, ...(q.result === 'SUCCESS' ? {} : { herrno: q.result }) };
    saved = q.result;
    triedAsIs = true;
  }
  let gotNodata = false;
  let gotServfail = false;
  let rootOnList = false;
  let last: HErrno | undefined = saved;
  for (const s of conf.searches) {
    const domain = s.replace(/^\./, '');
    if (domain === '') rootOnList = true;
    const q = await query(domain === '' ? `${name}.` : `${name}.${domain}`);
    if (q.result === 'SUCCESS') return out;
    last = q.result;
    if (q.errno === 'ECONNREFUSED') {
      out.stopped = `no nameserver answered at all (${nameservers.length ? 'every send got an ICMP error' : 'no nameserver'}): the lookup ends here`;
      return { ...out, herrno: 'TRY_AGAIN' };
    }
    if (q.result === 'NO_DATA') gotNodata = true;
    if (q.result === 'NO_DATA' || q.result === 'HOST_NOT_FOUND') continue;
    if (q.result === 'TRY_AGAIN' && q.bufferRcode === 'SERVFAIL') {
      gotServfail = true;
      continue;
    }
    out.stopped = `${q.errno === 'ETIMEDOUT' && q.bufferRcode === 'NOERROR' ? 'a timeout' : q.bufferRcode} ends the search list`;
    break;
  }
  if (!(triedAsIs || rootOnList)) {
    const q = await query(name);
    if (q.result === 'SUCCESS') return out;
    last = q.result;
  }
  const herrno = saved ?? (gotNodata ? 'NO_DATA' : gotServfail ? 'TRY_AGAIN' : last ?? 'HOST_NOT_FOUND');
  return { ...out, herrno };
}
