// Deterministic uids: knet's objects get the same uid on every run.
/** A uid that is the same on every run for the same object: a name-based UUID. */
export function stableUid(kind: string, key: string): string {
  const text = `${kind}/${key}`;
  // Four FNV-1 variants (different offset bases) in one pass over the text.
  let a = 0x811c9dc5;
  let b = 0x01000193;
  let c = 0x9e3779b9;
  let d = 0x85ebca6b;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193) >>> 0;
    b = Math.imul(b ^ ch, 0x01000193) >>> 0;
    c = Math.imul(c ^ ch, 0x01000193) >>> 0;
    d = Math.imul(d ^ ch, 0x01000193) >>> 0;
  }
  const h = hex8(a) + hex8(b) + hex8(c) + hex8(d);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const HEX = '0123456789abcdef';

/** The 8 hex digits of an unsigned 32-bit number (Number#toString(16) is slow in V8). */
function hex8(x: number): string {
  let out = '';
  for (let shift = 28; shift >= 0; shift -= 4) out += HEX[(x >>> shift) & 15];
  return out;
}
