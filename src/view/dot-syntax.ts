// DOT text: quoting, attribute lists and Graphviz's HTML-like labels.

/** Escapes text for a DOT quoted string or an HTML-like label. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An HTML-like label: a bold title and smaller detail lines. */
export function label(title: string, lines: string[], size = 10): string {
  const rows = lines.map((l) => `<br/><font point-size="${size}">${esc(l)}</font>`).join('');
  return `<<b>${esc(title)}</b>${rows}>`;
}

export function attrs(a: Record<string, string | number | undefined>): string {
  return `[${Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ((k === 'label' || k === 'xlabel') && typeof v === 'string' && v.startsWith('<') ? `${k}=${v}` : `${k}="${typeof v === 'string' ? esc(v) : v}"`))
    .join(', ')}]`;
}
