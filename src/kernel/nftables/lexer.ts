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

/** Reads tokens one at a time, so a long transaction never holds all of its tokens at once. */
class Lexer {
  line = 1;
  lineStart = 0;
  i = 0;
  done = false;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  next(): Token {
    const text = this.text;
    const n = text.length;
    let i = this.i;
    while (i < n) {
      const c = text[i]!;
      if (c === '\n') {
        const col = i - this.lineStart + 1;
        const t: Token = { kind: 'nl', text: '\n', line: this.line, col, end: col, at: i, stop: i + 1 };
        this.line++;
        this.i = this.lineStart = i + 1;
        return t;
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
        this.line++;
        this.lineStart = i;
        continue;
      }
      const line = this.line;
      const col = i - this.lineStart + 1;
      if (PUNCT.has(c)) {
        this.i = i + 1;
        return { kind: c as TokenKind, text: c, line, col, end: col, at: i, stop: i + 1 };
      }
      if (c === '"') {
        let j = i + 1;
        while (j < n && text[j] !== '"' && text[j] !== '\n') j++;
        if (text[j] !== '"') throw errorAt(this.file, { line, col, end: j - this.lineStart }, 'syntax error, unterminated string');
        this.i = j + 1;
        return { kind: 'string', text: text.slice(i + 1, j), line, col, end: j - this.lineStart + 1, at: i, stop: j + 1 };
      }
      let j = i;
      while (j < n && STOP[text.charCodeAt(j)] !== 1) j++;
      this.i = j;
      return { kind: 'word', text: text.slice(i, j), line, col, end: j - this.lineStart, at: i, stop: j };
    }
    this.i = i;
    this.done = true;
    const col = i - this.lineStart + 1;
    return { kind: 'eof', text: '', line: this.line, col, end: col, at: i, stop: i };
  }
}

/** A cursor over tokens with nft-style errors. */
export class Tokens {
  /** Absolute index of the current token. */
  pos = 0;
  private readonly lexer: Lexer;
  /** Tokens read so far and not yet released; buf[0] is token number `base`. */
  private buf: Token[] = [];
  private base = 0;

  constructor(
    readonly file: string,
    readonly source: string,
  ) {
    this.lexer = new Lexer(source, file);
  }

  /** A cursor that starts at `offset`, the first character of line number `line` or a place on it (`lineStart` its offset). */
  static from(file: string, source: string, offset: number, line: number, lineStart: number): Tokens {
    const ts = new Tokens(file, source);
    ts.lexer.i = offset;
    ts.lexer.line = line;
    ts.lexer.lineStart = lineStart;
    return ts;
  }

  /** The line number the lexer has reached (that of the next line once a newline token is read). */
  get line(): number {
    return this.lexer.line;
  }

  /**
   * Where the next line starts, when the cursor stands at a line's start or on the newline before
   * it and nothing after that has been read (a caller may then read the line from the source
   * itself); -1 otherwise.
   */
  nextLineStart(): number {
    const lx = this.lexer;
    if (this.pos - this.base === this.buf.length && lx.i === lx.lineStart) return lx.i;
    const t = this.peek();
    return t.kind === 'nl' && this.pos - this.base === this.buf.length - 1 ? t.stop : -1;
  }

  /** Steps over the line nextLineStart found, up to `end` (its newline, or the end of the source). */
  skipLine(end: number): void {
    if (this.pos - this.base < this.buf.length) this.pos++;
    this.buf = [];
    this.base = this.pos;
    const lx = this.lexer;
    if (end < this.source.length) {
      lx.i = lx.lineStart = end + 1;
      lx.line++;
    } else lx.i = end;
  }

  /** Token number i (the end of input repeats as eof). */
  at(i: number): Token {
    const buf = this.buf;
    while (i - this.base >= buf.length && !this.lexer.done) buf.push(this.lexer.next());
    return buf[Math.min(i - this.base, buf.length - 1)]!;
  }

  /** Forgets the tokens before the current one (a finished command). */
  release(): void {
    if (this.pos - this.base < 256) return;
    this.buf = this.buf.slice(this.pos - this.base);
    this.base = this.pos;
  }

  /** The source text from token `from` up to (not including) the current one. */
  textSince(from: number): string {
    return this.source.slice(this.at(from).at, this.at(this.pos - 1).stop);
  }

  peek(k = 0): Token {
    return this.at(this.pos + k);
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
    for (let k = this.peek().kind; k === 'nl' || k === ';'; k = this.peek().kind) this.pos++;
  }

  /** At the end of a statement: newline, `;`, `}` or end of input. */
  atEnd(): boolean {
    const k = this.peek().kind;
    return k === 'nl' || k === ';' || k === '}' || k === 'eof';
  }
}
