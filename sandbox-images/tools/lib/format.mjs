// Terminal rendering of query results: aligned columns, East Asian wide characters counted as two
// cells (Japanese data lines up), long values cut with an ellipsis.

// Zero-width: combining marks, zero-width joiners/spaces, variation selectors.
const ZERO_WIDTH = /[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0e31\u0e34-\u0e3a\u200b-\u200f\u2028-\u202e\u2060-\u2064\u20d0-\u20ff\u3099\u309a\ufe00-\ufe0f\ufeff]/u;

function isWide(cp) {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Display width of a string in terminal cells. */
export function strWidth(s) {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || ZERO_WIDTH.test(ch)) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

/** Cut `s` to at most `max` cells, ending with an ellipsis when cut. */
export function truncate(s, max) {
  if (strWidth(s) <= max) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = strWidth(ch);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

function pad(s, width, right) {
  const fill = ' '.repeat(Math.max(0, width - strWidth(s)));
  return right ? fill + s : s + fill;
}

/** Control characters (newlines, tabs, escapes) shown visibly so a value never breaks the table. */
export function sanitize(s) {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '↵';
    if (c === '\t') return '→';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/**
 * Render a table.
 * @param {{name: string, type: string}[]} columns
 * @param {string[][]} cells already stringified cell texts
 * @param {{rightAligned?: boolean[], maxWidth?: number, footer?: string}} opts
 */
export function renderTable(columns, cells, { rightAligned = [], maxWidth = 40, footer = '', showTypes = true } = {}) {
  const heads = columns.map((c) => truncate(sanitize(c.name), maxWidth));
  const types = columns.map((c) => truncate(c.type.toLowerCase(), maxWidth));
  const body = cells.map((row) => row.map((v) => truncate(sanitize(v), maxWidth)));
  const widths = heads.map((h, i) => Math.max(strWidth(h), showTypes ? strWidth(types[i]) : 0, ...body.map((r) => strWidth(r[i])), 1));
  const line = (l, m, r) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r;
  const out = [line('┌', '┬', '┐')];
  out.push(`│ ${heads.map((h, i) => pad(h, widths[i], false)).join(' │ ')} │`);
  if (showTypes) out.push(`│ ${types.map((t, i) => pad(t, widths[i], false)).join(' │ ')} │`);
  out.push(line('├', '┼', '┤'));
  for (const row of body) out.push(`│ ${row.map((v, i) => pad(v, widths[i], rightAligned[i])).join(' │ ')} │`);
  out.push(line('└', '┴', '┘'));
  if (footer) out.push(footer);
  return out.join('\n');
}
