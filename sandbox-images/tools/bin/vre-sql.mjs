#!/usr/bin/env node
// vre-sql: interactive DuckDB shell on the project's dataset (opened READ ONLY).
//
//   vre-sql                 interactive (readline, history in ~/.vre_sql_history)
//   vre-sql < script.sql    statements from stdin, results to stdout, errors to stderr (exit 1 on error)
//   vre-sql -c "SQL"        run SQL and exit
// Environment: VRE_DATASET (default /data/dataset.duckdb), VRE_SQL_MAXROWS (default 40).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { openSession, runStatements, listTables, displayName, displayText, RIGHT_ALIGNED, datasetPath, DuckDBTypeId } from '../lib/duckdb.mjs';
import { renderTable, strWidth } from '../lib/format.mjs';
import { isComplete, isBlank } from '../lib/sqltext.mjs';

const HELP = `Statements end with ";" and may span lines. Dot commands (at the start of a line):
  .tables [pattern]     list tables and views (dataset, scratch, temp)
  .schema [table]       show CREATE statements (all tables, or one)
  .maxrows N            show at most N rows of a result (now: %MAXROWS%)
  .timer on|off         print how long each statement took
  .help                 this help
  .quit  (or .exit, Ctrl-D)
The dataset is attached read-only as "dataset"; CREATE TABLE / CREATE TEMP TABLE make scratch tables
in memory (gone when the session ends). Ctrl-C cancels a running query or the statement being typed.`;

function usage() {
  console.log(`usage: vre-sql [-c SQL] [--dataset PATH]\n\n${HELP.replace('%MAXROWS%', String(state.maxRows))}`);
}

const state = {
  maxRows: Number.parseInt(process.env.VRE_SQL_MAXROWS ?? '', 10) || 40,
  timer: false,
  running: false,
  errors: 0,
};

const args = process.argv.slice(2);
let command = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-c' || a === '--command') command = args[++i] ?? '';
  else if (a === '--dataset') process.env.VRE_DATASET = args[++i] ?? '';
  else if (a === '-h' || a === '--help') { usage(); process.exit(0); }
  else { console.error(`vre-sql: unknown argument ${a}`); process.exit(2); }
}

const interactive = command === null && Boolean(process.stdin.isTTY && process.stdout.isTTY);
const out = (s) => process.stdout.write(`${s}\n`);
const err = (s) => { state.errors++; process.stderr.write(`${s}\n`); };

let session;
try {
  session = await openSession({ dataset: datasetPath() });
} catch (e) {
  console.error(`vre-sql: cannot open the dataset ${datasetPath()}: ${e.message}`);
  process.exit(1);
}
if (session.warning) process.stderr.write(`vre-sql: ${session.warning}\n`);

function termWidth() {
  return process.stdout.isTTY ? process.stdout.columns || 120 : 0;
}

function printResult(res, elapsedMs) {
  const { columns, types, rows, rowCount } = res;
  if (!res.isData) {
    out(res.affected === null ? 'OK' : `OK, ${res.affected} row${res.affected === 1 ? '' : 's'}`);
  } else {
    const isFloat = types.map((t) => t.typeId === DuckDBTypeId.DOUBLE || t.typeId === DuckDBTypeId.FLOAT);
    const cells = rows.map((r) => r.map((v, i) => (isFloat[i] && Number.isInteger(v) ? v.toFixed(1) : displayText(v))));
    const rightAligned = types.map((t) => RIGHT_ALIGNED.has(t.typeId));
    const hidden = rowCount - rows.length;
    const footer = `${rowCount} row${rowCount === 1 ? '' : 's'}${hidden > 0 ? ` (${hidden} rows not shown; .maxrows N or LIMIT)` : ''}`;
    const tw = termWidth();
    let text = '';
    for (const maxWidth of [40, 30, 20, 12]) {
      text = renderTable(columns, cells, { rightAligned, maxWidth, footer });
      if (!tw || strWidth(text.split('\n')[0]) <= tw) break;
    }
    out(text);
  }
  if (state.timer) out(`Run Time: ${(elapsedMs / 1000).toFixed(3)} s`);
}

async function runSql(sql) {
  let t0 = performance.now();
  state.running = true;
  try {
    await runStatements(session.conn, sql, state.maxRows, (res) => {
      printResult(res, performance.now() - t0);
      t0 = performance.now();
    });
  } catch (e) {
    err(/INTERRUPT Error/.test(e.message) ? 'Query cancelled.' : `Error: ${e.message.replace(/^Failed to extract statements: /, '')}`);
  } finally {
    state.running = false;
  }
}

async function dotCommand(line) {
  const [cmd, ...rest] = line.trim().split(/\s+/);
  const arg = rest.join(' ');
  switch (cmd) {
    case '.quit':
    case '.exit':
    case '.q':
      return 'quit';
    case '.help':
      out(HELP.replace('%MAXROWS%', String(state.maxRows)));
      return;
    case '.tables': {
      const tables = await listTables(session.conn);
      const re = arg ? new RegExp(`^${arg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '.*')}$`, 'i') : null;
      const shown = tables.filter((t) => !re || re.test(t.name) || re.test(displayName(t)));
      if (shown.length === 0) { out(arg ? `no table matches ${arg}` : 'no tables'); return; }
      const cells = shown.map((t) => [displayName(t), t.database === 'dataset' ? 'dataset (read-only)' : t.database === 'temp' ? 'temp' : 'scratch', t.kind]);
      out(renderTable([{ name: 'name', type: '' }, { name: 'where', type: '' }, { name: 'kind', type: '' }], cells, { showTypes: false }));
      return;
    }
    case '.schema': {
      const a = arg.replace(/;$/, '').toLowerCase();
      const rows = (await listTables(session.conn)).filter((t) =>
        !a || [t.name, `${t.schema}.${t.name}`, `${t.database}.${t.schema}.${t.name}`].some((n) => String(n).toLowerCase() === a));
      if (rows.length === 0) { err(`Error: no table named ${arg}`); return; }
      for (const t of rows) out(`${String(t.sql).trim().replace(/;?$/, ';')}`);
      return;
    }
    case '.maxrows': {
      const n = Number.parseInt(arg, 10);
      if (!Number.isFinite(n) || n < 0) { err('Error: usage .maxrows N'); return; }
      state.maxRows = n;
      out(`maxrows ${n}`);
      return;
    }
    case '.timer':
      if (arg !== 'on' && arg !== 'off') { err('Error: usage .timer on|off'); return; }
      state.timer = arg === 'on';
      return;
    default:
      err(`Error: unknown command ${cmd} (.help lists them)`);
  }
}

// --- -c SQL -------------------------------------------------------------------------------------
if (command !== null) {
  if (command.trim().startsWith('.')) await dotCommand(command.trim());
  else if (!isBlank(command)) await runSql(command);
  session.close();
  process.exit(state.errors ? 1 : 0);
}

// --- interactive / piped --------------------------------------------------------------------------
const historyFile = path.join(process.env.HOME || os.homedir(), '.vre_sql_history');
let history = [];
if (interactive) {
  try {
    history = fs.readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).slice(-1000).reverse();
  } catch { /* no history yet */ }
}
const rl = readline.createInterface({
  input: process.stdin,
  output: interactive ? process.stdout : undefined,
  terminal: interactive,
  history,
  historySize: 1000,
  removeHistoryDuplicates: true,
});
const PROMPT = 'vre> ';
const CONT = '  -> ';
let buffer = [];

function saveHistory(entry) {
  if (!interactive) return;
  try { fs.appendFileSync(historyFile, `${entry.replace(/\n/g, ' ')}\n`, { mode: 0o600 }); } catch { /* read-only home */ }
}

if (interactive) {
  out(`vre-sql: DuckDB ${session.version}, ${session.dataset ? `dataset ${session.dataset} (read-only)` : 'no dataset'}. ".help" for help; statements end with ";".`);
  rl.on('SIGINT', () => {
    if (state.running) {
      session.conn.interrupt();
      process.stdout.write('\n(cancelling query)\n');
      return;
    }
    if (buffer.length) {
      buffer = [];
      process.stdout.write('^C\n');
    } else {
      process.stdout.write('\n(.quit or Ctrl-D to exit)\n');
    }
    rl.setPrompt(PROMPT);
    rl.prompt();
  });
  rl.setPrompt(PROMPT);
  rl.prompt();
}

let quit = false;
for await (const line of rl) {
  if (buffer.length === 0 && line.trim().startsWith('.')) {
    saveHistory(line.trim());
    if ((await dotCommand(line.trim())) === 'quit') { quit = true; break; }
  } else if (buffer.length === 0 && line.trim() === '') {
    // nothing
  } else {
    buffer.push(line);
    const text = buffer.join('\n');
    if (isComplete(text)) {
      buffer = [];
      if (interactive && text.includes('\n')) {
        // One history entry per statement, not per line.
        const lines = text.split('\n');
        rl.history.splice(0, Math.min(lines.length, rl.history.length));
        rl.history.unshift(lines.map((l) => l.trim()).join(' '));
      }
      saveHistory(text);
      if (!isBlank(text)) await runSql(text);
    }
  }
  if (interactive) {
    rl.setPrompt(buffer.length ? CONT : PROMPT);
    rl.prompt();
  }
}
if (!quit && buffer.length && !isBlank(buffer.join('\n'))) await runSql(buffer.join('\n')); // last statement without ';'
if (interactive) out('');
rl.close();
session.close();
process.exit(state.errors && !interactive ? 1 : 0);
