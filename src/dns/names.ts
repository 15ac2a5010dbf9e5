// Domain-name arithmetic the cluster DNS needs: fully-qualified forms, zone trimming, the
// dashed-IP labels of endpoints and pods, and reverse names (in-addr.arpa / ip6.arpa).
import { isIPv4, isIPv6 } from 'node:net';
import { bigIntToIP, canonicalIP, ipToBigInt, parseCIDR } from '../net/ip.js';

export function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** Labels of a name, without the root: `a.b.` → [a, b]. */
export function labels(name: string): string[] {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n === '' ? [] : n.split('.');
}

/** Whether `name` is `zone` or below it (case-insensitive, both fully qualified). */
export function isSubdomain(zone: string, name: string): boolean {
  const z = zone.toLowerCase();
  const n = name.toLowerCase();
  return z === '.' || n === z || n.endsWith(`.${z}`);
}

/** The longest zone `name` falls in, or undefined. */
export function matchZone(zones: readonly string[], name: string): string | undefined {
  let best: string | undefined;
  for (const z of zones) if (isSubdomain(z, name) && (!best || z.length > best.length)) best = z;
  return best;
}

/** The labels left of `zone` (name must be inside the zone). */
export function trimZone(name: string, zone: string): string[] {
  return labels(name).slice(0, labels(name).length - labels(zone).length);
}

/**
 * An endpoint's DNS label from its address: IPv4 dots and IPv6 colons become dashes; a trailing
 * dash (an address ending in `::`) gets a 0 so the label does not end in `-`.
 */
export function dashedIP(ip: string): string {
  const d = ip.replace(/[.:]/g, '-');
  return d.endsWith('-') ? `${d}0` : d;
}

/** The IP a pod label spells: exactly three dashes and no `--` is IPv4, anything else IPv6. */
export function ipFromPodLabel(label: string): string | undefined {
  const dashes = label.split('-').length - 1;
  const text = dashes === 3 && !label.includes('--') ? label.replace(/-/g, '.') : label.replace(/-/g, ':');
  if (!isIPv4(text) && !isIPv6(text)) return undefined;
  return canonicalIP(text);
}

/** `10.96.0.1` → `1.0.96.10.in-addr.arpa.`; IPv6 as 32 nibbles under ip6.arpa. */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`;
  const hex = ipToBigInt(ip).toString(16).padStart(32, '0');
  return `${[...hex].reverse().join('.')}.ip6.arpa.`;
}

/** The address a complete reverse name stands for; undefined for partial or malformed names. */
export function addressFromReverse(name: string): string | undefined {
  const ls = labels(name.toLowerCase());
  if (ls.length === 6 && ls[4] === 'in-addr' && ls[5] === 'arpa') {
    const octets = ls.slice(0, 4).reverse();
    if (octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) return undefined;
    return octets.map(Number).join('.');
  }
  if (ls.length === 34 && ls[32] === 'ip6' && ls[33] === 'arpa') {
    const nibbles = ls.slice(0, 32);
    if (nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return undefined;
    return bigIntToIP(BigInt(`0x${nibbles.reverse().join('')}`), 6);
  }
  return undefined;
}

/**
 * Reverse zones for a CIDR, as CoreDNS expands a zone argument like `10.96.0.0/12`: the prefix is
 * rounded up to an octet (IPv4) or nibble (IPv6) boundary and every subnet of that size gets a zone.
 */
export function reverseZonesForCIDR(text: string): string[] | undefined {
  const c = parseCIDR(text, true);
  if (!c) return undefined;
  const step = c.family === 4 ? 8 : 4;
  const bits = c.family === 4 ? 32 : 128;
  const rounded = Math.ceil(c.prefix / step) * step;
  const count = 1n << BigInt(rounded - c.prefix);
  if (count > 256n) return undefined;
  const base = ipToBigInt(c.network);
  const out: string[] = [];
  for (let i = 0n; i < count; i++) {
    const net = base + (i << BigInt(bits - rounded));
    const rev = labels(reverseName(bigIntToIP(net, c.family)));
    // Keep only the labels that the prefix fixes, then the arpa suffix.
    const fixed = rounded / step;
    const host = rev.length - 2;
    out.push(`${[...rev.slice(host - fixed, host), ...rev.slice(host)].join('.')}.`);
  }
  return out;
}
