// The hash functions the IPVS hashing schedulers use, as a 64-bit kernel computes them:
// include/linux/hash.h's hash_32 (sh, dh) and hsiphash (SipHash-1-3 with 64-bit words, mh).
import { ipToBigInt, ipv4ToInt, ipFamily } from '../../net/ip.js';

const GOLDEN_RATIO_32 = 0x61c88647;

/** hash_32(val, bits): the top `bits` bits of val × GOLDEN_RATIO_32 (mod 2^32). */
export function hash32(val: number, bits: number): number {
  return (Math.imul(val >>> 0, GOLDEN_RATIO_32) >>> 0) >>> (32 - bits);
}

/** ntohl of the address, IPv6 folded to 32 bits by XOR of its four words (addr_fold). */
export function addrFold(ip: string): number {
  if (ipFamily(ip) === 4) return ipv4ToInt(ip) >>> 0;
  const v = ipToBigInt(ip);
  let f = 0;
  for (let i = 0; i < 4; i++) f ^= Number((v >> BigInt(96 - 32 * i)) & 0xffffffffn);
  return f >>> 0;
}

const M64 = (1n << 64n) - 1n;
const rol = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;

/** SipHash-c-d over 64-bit message words (the last carries the length byte), key words k0, k1. */
function sipHash(words: bigint[], k0: bigint, k1: bigint, c: number, d: number): bigint {
  let v0 = 0x736f6d6570736575n ^ k0;
  let v1 = 0x646f72616e646f6dn ^ k1;
  let v2 = 0x6c7967656e657261n ^ k0;
  let v3 = 0x7465646279746573n ^ k1;
  const round = (): void => {
    v0 = (v0 + v1) & M64;
    v1 = rol(v1, 13n) ^ v0;
    v0 = rol(v0, 32n);
    v2 = (v2 + v3) & M64;
    v3 = rol(v3, 16n) ^ v2;
    v0 = (v0 + v3) & M64;
    v3 = rol(v3, 21n) ^ v0;
    v2 = (v2 + v1) & M64;
    v1 = rol(v1, 17n) ^ v2;
    v2 = rol(v2, 32n);
  };
  for (const m of words) {
    v3 ^= m;
    for (let i = 0; i < c; i++) round();
    v0 ^= m;
  }
  v2 ^= 0xffn;
  for (let i = 0; i < d; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/** hsiphash of one 32-bit word (host order, little-endian) with a two-word key: SipHash-1-3 on 64-bit kernels, truncated to u32. */
export function hsiphash32(v: number, key: readonly [bigint, bigint]): number {
  return Number(sipHash([(4n << 56n) | BigInt(v >>> 0)], key[0], key[1], 1, 3) & 0xffffffffn);
}

/** SipHash-2-4 of a byte string: the published reference vector checks the rounds hsiphash shares. */
export function siphash24(msg: Uint8Array, k0: bigint, k1: bigint): bigint {
  const words: bigint[] = [];
  const word = (i: number, n: number): bigint => {
    let w = 0n;
    for (let j = n - 1; j >= 0; j--) w = (w << 8n) | BigInt(msg[i + j]!);
    return w;
  };
  const full = msg.length - (msg.length % 8);
  for (let i = 0; i < full; i += 8) words.push(word(i, 8));
  words.push((BigInt(msg.length & 255) << 56n) | word(full, msg.length - full));
  return sipHash(words, k0, k1, 2, 4);
}
