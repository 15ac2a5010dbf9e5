// kube-proxy's name hash re-cuts node's base64 SHA-256 digest into BASE32: they must be the names
// the digest's own bytes give, for any input length and for non-ASCII text.
import test from 'ava';
import { createHash } from 'node:crypto';
import { sha256Base32 } from '../../src/agents/kube-proxy/hash.js';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** First 16 BASE32 characters of SHA-256, from node:crypto's digest. */
function reference(input: string): string {
  const d = createHash('sha256').update(input, 'utf8').digest();
  let bits = '';
  for (let i = 0; i < 10; i++) bits += d[i]!.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < 80; i += 5) out += B32[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

test('kube-proxy chain names are BASE32(SHA-256) for short, block-boundary, long and non-ASCII inputs', (t) => {
  const inputs = ['', 'ns1/svc1:p80tcp', 'é/ü:日本tcp10.0.0.1:80', 'default/web:httptcp[2001:db8::1]:8080'];
  for (let n = 0; n <= 200; n++) inputs.push('x'.repeat(n));
  for (let i = 0; i < 2000; i++) inputs.push(`bench/svc${i}:httptcp10.${i & 255}.${i >> 8}.7:8080`);
  for (const s of inputs) t.is(sha256Base32(s, 16), reference(s), JSON.stringify(s));
});
