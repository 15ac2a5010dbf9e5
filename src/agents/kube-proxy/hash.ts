// The hash in kube-proxy's chain and set names: the first characters of BASE32(SHA-256(input)),
// 16 for iptables mode's KUBE-SVC-/KUBE-SEP- chains, 8 for nftables mode's bases.
import { hash } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** hex digit → its value. */
const HEX = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;

/** 20 bits of the hex digest from character `at`. */
function bits20(d: string, at: number): number {
  return (HEX[d.charCodeAt(at)]! << 16) | (HEX[d.charCodeAt(at + 1)]! << 12) | (HEX[d.charCodeAt(at + 2)]! << 8) | (HEX[d.charCodeAt(at + 3)]! << 4) | HEX[d.charCodeAt(at + 4)]!;
}

/** The BASE32 character of the low 5 bits. */
const b32 = (x: number): number => B32.charCodeAt(x & 31);

/** The first `chars` (at most 16) BASE32 characters of SHA-256(input). */
export function sha256Base32(input: string, chars: number): string {
  // node's one-shot digest as hex (no Hash object, no Buffer per name), 20 bits per 4 characters, one flat string
  const d = hash('sha256', input, 'hex');
  const a = bits20(d, 0);
  const b = bits20(d, 5);
  const c = bits20(d, 10);
  const e = bits20(d, 15);
  const s = String.fromCharCode(
    b32(a >>> 15), b32(a >>> 10), b32(a >>> 5), b32(a),
    b32(b >>> 15), b32(b >>> 10), b32(b >>> 5), b32(b),
    b32(c >>> 15), b32(c >>> 10), b32(c >>> 5), b32(c),
    b32(e >>> 15), b32(e >>> 10), b32(e >>> 5), b32(e),
  );
  return chars < 16 ? s.slice(0, chars) : s;
}
