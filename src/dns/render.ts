// Text and JSON forms of DNS results: replies the way dig prints them, transfers as dig's AXFR
// listing or a zone file.
import type { Question, Reply } from './answer.js';
import { rdataText, rrText, type RR } from './rr.js';

export interface ReplyContext {
  server: string;
  upstream?: string;
}

/** dig's sections: header, question, answer, authority, additional; then where it came from. */
export function replyText(q: Question, r: Reply, ctx: ReplyContext): string {
  const flags = ['qr', ...(r.aa ? ['aa'] : []), 'rd'];
  const out = [
    `;; ->>HEADER<<- opcode: QUERY, status: ${r.rcode}`,
    `;; flags: ${flags.join(' ')}; QUERY: 1, ANSWER: ${r.answer.length}, AUTHORITY: ${r.authority.length}, ADDITIONAL: ${r.additional.length}`,
    '',
    ';; QUESTION SECTION:',
    `;${q.name}\t\tIN\t${q.type}`,
  ];
  const section = (title: string, rrs: RR[]): void => {
    if (rrs.length === 0) return;
    out.push('', `;; ${title} SECTION:`, ...rrs.map(rrText));
  };
  section('ANSWER', r.answer);
  section('AUTHORITY', r.authority);
  section('ADDITIONAL', r.additional);
  out.push('');
  if (r.forwarded) {
    out.push(`;; FORWARDED: not answered by the kubernetes plugin; the forward plugin ${ctx.upstream ? `asked ${ctx.upstream}` : 'has no upstream (--upstream), so the server answers REFUSED'}`);
  }
  out.push(`;; SERVER: ${ctx.server}`);
  return `${out.join('\n')}\n`;
}

export function rrJSON(rr: RR): { name: string; ttl: number; class: 'IN'; type: string; data: unknown; rdata: string } {
  return { name: rr.name, ttl: rr.ttl, class: 'IN', type: rr.type, data: rr.data, rdata: rdataText(rr) };
}

export function replyJSON(q: Question, r: Reply, ctx: ReplyContext): unknown {
  return {
    question: q,
    status: r.rcode,
    flags: { aa: r.aa },
    answer: r.answer.map(rrJSON),
    authority: r.authority.map(rrJSON),
    additional: r.additional.map(rrJSON),
    forwarded: r.forwarded,
    server: ctx.server,
    ...(ctx.upstream ? { upstream: ctx.upstream } : {}),
  };
}

/** dig's AXFR listing: every record of the stream, then the record count. */
export function transferText(records: RR[]): string {
  return `${records.map(rrText).join('\n')}\n;; XFR size: ${records.length} records\n`;
}

/** A master file: $ORIGIN and $TTL, the SOA once, records with absolute owners. */
export function zoneFileText(zone: string, ttl: number, records: RR[], extra: RR[]): string {
  const body = records.slice(0, -1).map(rrText);
  const out = [`$ORIGIN ${zone}`, `$TTL ${ttl}`, ...body];
  if (extra.length) out.push('; served by the kubernetes plugin but never transferred', ...extra.map(rrText));
  return `${out.join('\n')}\n`;
}
