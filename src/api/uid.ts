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
  // 8-4-4-4-12 hex digits of a..d, version 5 in digit 12, the RFC 4122 variant in digit 16;
  // written out as character codes so the uid is one flat string, not a tree of slices.
  const words = [a, b, c, d];
  const codes: number[] = [];
  for (let i = 0; i < 32; i++) {
    let digit = (words[i >> 3]! >>> (28 - 4 * (i & 7))) & 15;
    if (i === 12) digit = 5;
    else if (i === 16) digit = (digit & 3) | 8;
    if (i === 8 || i === 12 || i === 16 || i === 20) codes.push(45);
    codes.push(HEX.charCodeAt(digit));
  }
  return String.fromCharCode(...codes);
}

const HEX = '0123456789abcdef';
