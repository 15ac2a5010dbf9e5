// The hash in kube-proxy's chain and set names: the first characters of BASE32(SHA-256(input)),
// 16 for iptables mode's KUBE-SVC-/KUBE-SEP- chains, 8 for nftables mode's bases.
import { hash } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** base64 character → its 6 bits. */
const B64 = new Uint8Array(128);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) B64[c.charCodeAt(0)] = i;
const codes: number[] = [];

/** The first `chars` (at most 16) BASE32 characters of SHA-256(input). */
export function sha256Base32(input: string, chars: number): string {
  // node's one-shot digest as base64 (no Hash object, no Buffer per name), re-cut into 5-bit groups
  const d = hash('sha256', input, 'base64');
  codes.length = chars;
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; n < chars; i++) {
    acc = ((acc << 6) | B64[d.charCodeAt(i)]!) & 0x7ff;
    bits += 6;
    while (bits >= 5 && n < chars) {
      bits -= 5;
      codes[n++] = B32.charCodeAt((acc >>> bits) & 31);
    }
  }
  return String.fromCharCode(...codes);
}
