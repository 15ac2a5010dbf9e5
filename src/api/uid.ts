// Deterministic uids: knet's objects get the same uid on every run.

// Four FNV-1 variants (different offset bases), mixed over the pieces of the name in turn: module
// state rather than a joined string and a result array, as the store stamps every object it creates.
let a = 0;
let b = 0;
let c = 0;
let d = 0;

function mix(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193) >>> 0;
    b = Math.imul(b ^ ch, 0x01000193) >>> 0;
    c = Math.imul(c ^ ch, 0x01000193) >>> 0;
    d = Math.imul(d ^ ch, 0x01000193) >>> 0;
  }
}

const HEX = '0123456789abcdef';
/** The uid's 36 character codes, rewritten by each call. */
const CODES: number[] = new Array<number>(36).fill(45);

/** A uid that is the same on every run for the same object: a name-based UUID of `${kind}/${key}${tail}`. */
export function stableUid(kind: string, key: string, tail = ''): string {
  a = 0x811c9dc5;
  b = 0x01000193;
  c = 0x9e3779b9;
  d = 0x85ebca6b;
  mix(kind);
  mix('/');
  mix(key);
  mix(tail);
  // 8-4-4-4-12 hex digits of a..d, version 5 in digit 12, the RFC 4122 variant in digit 16;
  // written out as character codes so the uid is one flat string, not a tree of slices.
  for (let i = 0, at = 0; i < 32; i++, at++) {
    const word = i < 8 ? a : i < 16 ? b : i < 24 ? c : d;
    let digit = (word >>> (28 - 4 * (i & 7))) & 15;
    if (i === 12) digit = 5;
    else if (i === 16) digit = (digit & 3) | 8;
    if (i === 8 || i === 12 || i === 16 || i === 20) at++; // the dash already there
    CODES[at] = HEX.charCodeAt(digit);
  }
  return String.fromCharCode.apply(null, CODES);
}
