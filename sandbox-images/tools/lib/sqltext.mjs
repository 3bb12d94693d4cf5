// Minimal SQL lexing for the shell: is a typed buffer a complete statement (ends with `;` outside
// strings, quoted identifiers, dollar-quoted strings and comments)?

/** Scan `text` and return {complete, open}: `open` is what is still unterminated ('', "'", '"', '$tag$', '/*'). */
export function scanSql(text) {
  let i = 0;
  let lastSignificant = '';
  const n = text.length;
  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      if (nl === -1) return { complete: lastSignificant === ';', open: '' };
      i = nl + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) return { complete: false, open: '/*' };
      i = end + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        const k = text.indexOf(c, j);
        if (k === -1) return { complete: false, open: c };
        if (text[k + 1] === c) { j = k + 2; continue; } // doubled quote = escaped
        i = k + 1;
        break;
      }
      lastSignificant = c;
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
      if (m && (i === 0 || !/[A-Za-z0-9_]/.test(text[i - 1]))) {
        const tag = m[0];
        const end = text.indexOf(tag, i + tag.length);
        if (end === -1) return { complete: false, open: tag };
        i = end + tag.length;
        lastSignificant = '$';
        continue;
      }
    }
    if (!/\s/.test(c)) lastSignificant = c;
    i++;
  }
  return { complete: lastSignificant === ';', open: '' };
}

export function isComplete(text) {
  return scanSql(text).complete;
}

/** True when the buffer holds nothing but whitespace, comments and semicolons. */
export function isBlank(text) {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/[\s;]/g, '') === '';
}

/**
 * The statements of `text`, split at `;` outside strings, quoted identifiers, dollar quotes and
 * comments; each without its `;`, blank ones left out.
 */
export function splitSql(text) {
  const out = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  const push = (end) => {
    const s = text.slice(start, end);
    if (!isBlank(s)) out.push(s.trim());
  };
  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        const k = text.indexOf(c, j);
        if (k === -1) { j = n; break; }
        if (text[k + 1] === c) { j = k + 2; continue; }
        j = k + 1;
        break;
      }
      i = j;
    } else if (c === '$' && (i === 0 || !/[A-Za-z0-9_]/.test(text[i - 1]))) {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
      if (m) {
        const end = text.indexOf(m[0], i + m[0].length);
        i = end === -1 ? n : end + m[0].length;
      } else i++;
    } else if (c === ';') {
      push(i);
      start = ++i;
    } else i++;
  }
  push(n);
  return out;
}
