// The word level of iptables text: how iptables-restore splits a rule line into arguments and
// how iptables-save quotes a string argument back.

/**
 * Splits one rule line the way iptables-restore does: words separated by blanks, a double-quoted
 * word may hold blanks, and inside quotes a backslash escapes the next character.
 * Returns undefined for an unterminated quote.
 */
export function splitWords(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    // A word is taken as slices of the line between its quotes and escapes.
    let word = '';
    let quoted = false;
    let from = i;
    while (i < n) {
      c = line.charCodeAt(i);
      if (quoted) {
        if (c === 92 && i + 1 < n) {
          word += line.slice(from, i) + line[i + 1];
          i += 2;
          from = i;
          continue;
        }
        if (c === 34) {
          word += line.slice(from, i);
          quoted = false;
          from = ++i;
          continue;
        }
        i++;
        continue;
      }
      if (c === 32 || c === 9) break;
      if (c === 34) {
        word += line.slice(from, i);
        quoted = true;
        from = ++i;
        continue;
      }
      i++;
    }
    if (quoted) return undefined;
    out.push(word + line.slice(from, i));
  }
  return out;
}

const PLAIN = /^[A-Za-z0-9_-]+$/;

/** iptables-save's quoting of a free-text argument: bare when only [A-Za-z0-9_-], else "…" with \ escapes. */
export function saveString(s: string): string {
  if (PLAIN.test(s)) return s;
  return `"${s.replace(/["\\']/g, (m) => `\\${m}`)}"`;
}
