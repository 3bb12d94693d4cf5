// CSV as the notebook's "send to outbox" writes it (RFC 4180, CRLF), and the text of a cell as a
// CSV reader gives it back: the airlock's recount matches rows by that text.

/** The text of a display value (see toDisplay in duckdb.mjs): empty for NULL, JSON for lists and structs. */
export function csvText(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** One CSV field: quoted when it holds a comma, a quote, a line break or edge spaces. */
export function csvField(v) {
  const s = csvText(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
