// nft's input split into tokens: words, quoted strings, the punctuation nft's grammar gives
// meaning ({ } ; , and newlines), each with its line and columns so an error names them as nft
// does (`FILE:LINE:FIRST-LAST: Error: …`).
import { InputError } from '../../api/errors.js';

export type TokenKind = 'word' | 'string' | '{' | '}' | ';' | ',' | 'nl' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  /** 1-based first and last column. */
  col: number;
  end: number;
  /** Offsets into the text: [at, stop). */
  at: number;
  stop: number;
}

export class NftSyntaxError extends InputError {}

/** `FILE:LINE:A-B: Error: message`, nft's own error line. */
export function errorAt(file: string, t: Pick<Token, 'line' | 'col' | 'end'>, message: string): NftSyntaxError {
  return new NftSyntaxError(`${file}:${t.line}:${t.col}-${Math.max(t.col, t.end)}: Error: ${message}`);
}

const PUNCT = new Set(['{', '}', ';', ',']);
/** Characters that end a word: whitespace, punctuation, a quote, a comment. */
const STOP = new Uint8Array(128);
for (const c of ' \t\r\n\v\f{};,"#') STOP[c.charCodeAt(0)] = 1;

export function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      out.push({ kind: 'nl', text: '\n', line, col: i - lineStart + 1, end: i - lineStart + 1, at: i, stop: i + 1 });
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      line++;
      lineStart = i;
      continue;
    }
    const col = i - lineStart + 1;
    if (PUNCT.has(c)) {
      out.push({ kind: c as TokenKind, text: c, line, col, end: col, at: i, stop: i + 1 });
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < n && text[j] !== '"' && text[j] !== '\n') s += text[j++];
      if (text[j] !== '"') throw errorAt(file, { line, col, end: j - lineStart }, 'syntax error, unterminated string');
      out.push({ kind: 'string', text: s, line, col, end: j - lineStart + 1, at: i, stop: j + 1 });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < n && STOP[text.charCodeAt(j)] !== 1) j++;
    out.push({ kind: 'word', text: text.slice(i, j), line, col, end: j - lineStart, at: i, stop: j });
    i = j;
  }
  out.push({ kind: 'eof', text: '', line, col: i - lineStart + 1, end: i - lineStart + 1, at: i, stop: i });
  return out;
}

/** A cursor over tokens with nft-style errors. */
export class Tokens {
  pos = 0;

  constructor(
    readonly list: Token[],
    readonly file: string,
    readonly source: string,
  ) {}

  /** The source text from token `from` up to (not including) the current one. */
  textSince(from: number): string {
    const last = this.list[this.pos - 1]!;
    return this.source.slice(this.list[from]!.at, last.stop);
  }

  peek(k = 0): Token {
    return this.list[Math.min(this.pos + k, this.list.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  isWord(text?: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'word' && (text === undefined || t.text === text);
  }

  accept(kind: TokenKind, text?: string): Token | undefined {
    const t = this.peek();
    if (t.kind === kind && (text === undefined || t.text === text)) return this.next();
    return undefined;
  }

  expect(kind: TokenKind, what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw this.unexpected(what);
    return this.next();
  }

  word(what: string): string {
    return this.expect('word', what).text;
  }

  unexpected(expecting?: string): NftSyntaxError {
    const t = this.peek();
    const seen = t.kind === 'eof' ? 'end of file' : t.kind === 'nl' ? 'newline' : t.kind === 'word' ? `"${t.text}"` : t.kind === 'string' ? 'quoted string' : `'${t.text}'`;
    return errorAt(this.file, t, `syntax error, unexpected ${seen}${expecting ? `, expecting ${expecting}` : ''}`);
  }

  fail(t: Token, message: string): NftSyntaxError {
    return errorAt(this.file, t, message);
  }

  skipNewlines(): void {
    while (this.peek().kind === 'nl' || this.peek().kind === ';') this.pos++;
  }

  /** At the end of a statement: newline, `;`, `}` or end of input. */
  atEnd(): boolean {
    const k = this.peek().kind;
    return k === 'nl' || k === ';' || k === '}' || k === 'eof';
  }
}
