// How `nft list` prints a rule stored unread, without reading its statements: rules of one
// shape (parse-memo.ts: the text with its addresses and jump/goto targets taken out) print
// alike but for those literals, each printed as written when it is already in nft's canonical
// form. The first rule of a shape is parsed and printed, and its literals found in the printed
// text; the second is parsed too and must print as the shape says, or the shape is always read.
// A rule with an address inside braces (an anonymous set, printed sorted) is always read.
import { canonicalIP, parseCIDR } from '../../net/ip.js';
import { CHAIN_MARK, shapeOf } from './parse-memo.js';

/** A shape's printed text around its literals (parts.length = literals + 1), once its second rule agreed. */
interface ListTemplate {
  parts: string[];
  checked: boolean;
}

const templates = new Map<string, ListTemplate | null>();
/** Printed text by rule text: every node holds the same rules (most print as written: the one string). */
const printedByText = new Map<string, string>();
const LIMIT = 1_000_000;

function remember<K, V>(m: Map<K, V>, k: K, v: V): V {
  if (m.size >= LIMIT) m.clear();
  m.set(k, v);
  return v;
}

/** Words in printed text end at a space or one of `{ } ,` (as in the input). */
function wordAt(text: string, i: number, len: number): boolean {
  const before = i === 0 ? 32 : text.charCodeAt(i - 1);
  const after = i + len === text.length ? 32 : text.charCodeAt(i + len);
  const sep = (c: number): boolean => c === 32 || c === 123 || c === 125 || c === 44;
  return sep(before) && sep(after);
}

/** The printed text cut around the literals, found in order as whole words; null when one is not there. */
function templateOf(printed: string, literals: readonly string[]): string[] | null {
  const parts: string[] = [];
  let from = 0;
  for (const lit of literals) {
    let i = printed.indexOf(lit, from);
    while (i >= 0 && !wordAt(printed, i, lit.length)) i = printed.indexOf(lit, i + 1);
    if (i < 0) return null;
    parts.push(printed.slice(from, i));
    from = i + lit.length;
  }
  parts.push(printed.slice(from));
  return parts;
}

function fill(parts: readonly string[], literals: readonly string[]): string {
  let s = parts[0]!;
  for (let i = 0; i < literals.length; i++) s += literals[i]! + parts[i + 1]!;
  return s;
}

const canonical = new Map<string, boolean>();

/** A decimal number of s[i, j) without leading zeros, at most `max`. */
function plainNumber(s: string, i: number, j: number, max: number): boolean {
  if (j <= i || j - i > 5 || (s.charCodeAt(i) === 48 && j - i > 1)) return false;
  let v = 0;
  for (let k = i; k < j; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10 + c;
  }
  return v <= max;
}

/** s[0, end) is an IPv4 address of four octets without leading zeros. */
function plainV4(s: string, end = s.length): boolean {
  let from = 0;
  for (let n = 0; n < 4; n++) {
    let dot = s.indexOf('.', from);
    if (dot < 0 || dot > end) dot = end;
    if ((n < 3) !== (dot < end) || !plainNumber(s, from, dot, 255)) return false;
    from = dot + 1;
  }
  return true;
}

function plainPort(s: string, from: number): boolean {
  return plainNumber(s, from, s.length, 65535);
}

/** A prefix nft prints as written: the network address, neither /0 nor a single host. */
function plainPrefix(s: string): boolean {
  const c = parseCIDR(s);
  return !!c && c.address === c.network && c.prefix > 0 && c.prefix < (c.family === 4 ? 32 : 128) && `${c.network}/${c.prefix}` === s;
}

/** Whether nft prints the literal (of the shape's mark) exactly as written. */
function printsAsWritten(mark: string, lit: string): boolean {
  if (mark === CHAIN_MARK) return true;
  const colon = lit.lastIndexOf(':');
  const form = mark.charCodeAt(0);
  if (form === 1) return plainV4(lit);
  if (form === 2) return plainV4(lit, colon) && plainPort(lit, colon + 1);
  let ok = canonical.get(lit);
  if (ok !== undefined) return ok;
  switch (form) {
    case 4:
      ok = canonicalIP(lit) === lit;
      break;
    case 5:
      ok = lit.startsWith('[') && lit[colon - 1] === ']' && canonicalIP(lit.slice(1, colon - 1)) === lit.slice(1, colon - 1) && plainPort(lit, colon + 1);
      break;
    default:
      ok = plainPrefix(lit);
  }
  return remember(canonical, lit, ok);
}

/**
 * The rule's `nft list` text from its shape, when a rule of that shape was printed before (and
 * the next one printed alike); `read` prints a rule from its statements otherwise.
 */
export function listedText(text: string, read: () => string): string {
  const known = printedByText.get(text);
  if (known !== undefined) return known;
  const printed = fromShape(text, read);
  return remember(printedByText, text, printed === text ? text : printed);
}

function fromShape(text: string, read: () => string): string {
  const sh = shapeOf(text);
  if (!sh || sh.braced) return read();
  let marksOk = true;
  for (let i = 0, m = 0; i < sh.shape.length && marksOk; i++) {
    const c = sh.shape.charCodeAt(i);
    if (c <= 7) marksOk = printsAsWritten(sh.shape[i]!, sh.literals[m++]!);
  }
  if (!marksOk) return read();
  const tpl = templates.get(sh.shape);
  if (tpl === null) return read();
  if (tpl === undefined) {
    const printed = read();
    const parts = templateOf(printed, sh.literals);
    remember(templates, sh.shape, parts ? { parts, checked: false } : null);
    return printed;
  }
  if (!tpl.checked) {
    const printed = read();
    if (fill(tpl.parts, sh.literals) === printed) tpl.checked = true;
    else templates.set(sh.shape, null);
    return printed;
  }
  return fill(tpl.parts, sh.literals);
}
