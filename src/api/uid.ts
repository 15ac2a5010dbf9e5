// Deterministic uids: knet's objects get the same uid on every run.

// Four FNV-1 variants (different offset bases), mixed over the pieces of the name in turn. The
// state is an Int32Array, not module variables: a module `let` holding a 32-bit hash is a boxed
// heap number, allocated anew on every write (measured: 4 us a uid, 0.7 s at 100k pods).
const H = new Int32Array(4);

function mix(text: string): void {
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x01000193);
    c = Math.imul(c ^ ch, 0x01000193);
    d = Math.imul(d ^ ch, 0x01000193);
  }
  H[0] = a;
  H[1] = b;
  H[2] = c;
  H[3] = d;
}

const HEX = '0123456789abcdef';
/** The uid's 36 character codes, rewritten by each call. */
const CODES: number[] = new Array<number>(36).fill(45);

/** A uid that is the same on every run for the same object: a name-based UUID of `${kind}/${key}${tail}`. */
export function stableUid(kind: string, key: string, tail = ''): string {
  H[0] = 0x811c9dc5;
  H[1] = 0x01000193;
  H[2] = 0x9e3779b9;
  H[3] = 0x85ebca6b;
  mix(kind);
  mix('/');
  mix(key);
  mix(tail);
  // 8-4-4-4-12 hex digits of the four words, version 5 in digit 12, the RFC 4122 variant in digit
  // 16; written out as character codes so the uid is one flat string, not a tree of slices.
  for (let i = 0, at = 0; i < 32; i++, at++) {
    let digit = (H[i >> 3]! >>> (28 - 4 * (i & 7))) & 15;
    if (i === 12) digit = 5;
    else if (i === 16) digit = (digit & 3) | 8;
    if (i === 8 || i === 12 || i === 16 || i === 20) at++; // the dash already there
    CODES[at] = HEX.charCodeAt(digit);
  }
  return String.fromCharCode.apply(null, CODES);
}
