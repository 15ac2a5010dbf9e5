// Ethernet addresses: stable stand-ins for the random MACs the kernel and the CNI plugins pick,
// and the IPv6 addresses the kernel derives from a MAC (EUI-64 link-local, solicited-node group).
import { hash } from 'node:crypto';
import { bigIntToIP } from './ip.js';

export type MacOctets = [number, number, number, number, number, number];

export function parseMac(mac: string): MacOctets | undefined {
  const s = mac.trim();
  if (s.length !== 17) return undefined;
  const o: number[] = [];
  for (let i = 0; i < 17; i += 3) {
    const hi = hexDigit(s.charCodeAt(i));
    const lo = hexDigit(s.charCodeAt(i + 1));
    if (hi < 0 || lo < 0 || (i < 15 && s.charCodeAt(i + 2) !== 58)) return undefined;
    o.push(hi * 16 + lo);
  }
  return o as MacOctets;
}

/** A hex digit's value (either case), -1 for any other character. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Each octet's two hex digits. */
const HEX2 = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function formatMac(o: readonly number[]): string {
  let s = HEX2[o[0]!]!;
  for (let i = 1; i < o.length; i++) s += ':' + HEX2[o[i]!]!;
  return s;
}

function digest(seed: string): Buffer {
  // node's one-shot digest: no Hash object per MAC
  return hash('sha256', seed, 'buffer');
}

/**
 * A locally administered unicast MAC that is the same on every run for the same seed: what the
 * kernel's random MAC (eth_random_addr) looks like, without the randomness.
 */
export function stableMac(seed: string): string {
  const d = digest(seed);
  return formatMac([(d[0]! & 0xfc) | 0x02, d[1]!, d[2]!, d[3]!, d[4]!, d[5]!]);
}

/** A MAC under a vendor OUI (a NIC's burnt-in address), the last three octets from the seed. */
export function stableVendorMac(oui: [number, number, number], seed: string): string {
  const d = digest(seed);
  return formatMac([...oui, d[0]!, d[1]!, d[2]!]);
}

/** Eight lowercase hex digits from a seed (the shape of the bridge plugin's random veth suffix). */
export function stableHex8(seed: string): string {
  return hash('sha256', seed, 'hex').slice(0, 8);
}

/** fe80::/64 address the kernel gives an Ethernet device (addrgenmode eui64), compressed as iproute2 prints it. */
export function eui64LinkLocal(mac: string): string {
  const o = parseMac(mac)!;
  // fe80::/64 with the interface identifier in the low 64 bits, printed by the address library
  // (which then knows the text's value: the routes the address brings do not parse it again)
  const hi = (((o[0]! ^ 0x02) << 24) | (o[1]! << 16) | (o[2]! << 8) | 0xff) >>> 0;
  const lo = ((0xfe << 24) | (o[3]! << 16) | (o[4]! << 8) | o[5]!) >>> 0;
  return bigIntToIP(LINK_LOCAL | (BigInt(hi) << 32n) | BigInt(lo), 6);
}

const LINK_LOCAL = 0xfe80n << 112n;

/** The Ethernet group address of the IPv6 solicited-node multicast group for a MAC's EUI-64 address. */
export function solicitedNodeMac(mac: string): string {
  const o = parseMac(mac)!;
  return formatMac([0x33, 0x33, 0xff, o[3]!, o[4]!, o[5]!]);
}
