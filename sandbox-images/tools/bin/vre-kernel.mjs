#!/usr/bin/env node
// vre-kernel: notebook kernel of a VRE sandbox. Line-delimited JSON on stdin/stdout (one object
// per line, UTF-8); logs go to stderr. See sandbox-images/README.md for the full protocol.
//
// Requests
//   {"id": "c1", "language": "sql"|"python", "source": "..."}   run a cell (cells run one at a time, in order)
//   {"id": "i1", "op": "interrupt"}     cancel the running cell (queued cells still run)
//   {"id": "r1", "op": "restart"}       cancel running and queued cells, fresh DuckDB + fresh Python
//   {"id": "s1", "op": "status"}        state of SQL and Python
//   {"id": "e1", "op": "export", "language", "source", "dir", "name"}
//                                       the cell's last statement / expression again, ALL rows as
//                                       DIR/NAME.csv, the source as DIR/NAME.sql|.py
//                                       (-> "rows": N, "csv"/"query": {path, size, modifiedAt, sha256})
//   {"id": "x1", "op": "shutdown"}      stop (also on stdin EOF / SIGTERM)
// Replies (one per request, same id)
//   {"id", "status": "ok"|"error", "outputs": [...], "durationMs": N, ...}
//   outputs: {"type":"table","columns":[{"name","type"}],"rows":[[...]],"rowCount":N,"truncated":bool}
//            {"type":"stream","name":"stdout"|"stderr","text":"..."}
//            {"type":"image","mime":"image/png","data":"<base64>"}
//            {"type":"text","text":"..."}                      (plain-text value of a Python expression)
//            {"type":"error","ename","evalue","traceback":[...]}
// Events (no id): {"event":"ready",...} once SQL works, {"event":"python-ready","startMs":N} or
//   {"event":"python-failed","error":".."} when the IPython kernel is up (or could not start).
//
// Environment: VRE_DATASET, VRE_ROW_CAP (default 1000), VRE_KERNEL_PYTHON = background (default:
// start IPython right away, in the background) | lazy (on the first Python cell) | off.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { openSession, runStatements, rowCap, datasetPath, toDisplay } from '../lib/duckdb.mjs';
import { columnarQuery, errorJson } from '../lib/columnar.mjs';
import { isBlank } from '../lib/sqltext.mjs';
import { csvField } from '../lib/csv.mjs';

const T0 = performance.now();
const CAP = rowCap(1000);
const PYTHON_MODE = process.env.VRE_KERNEL_PYTHON || 'background';
const ms = (t) => Math.round(performance.now() - t);
const log = (...a) => process.stderr.write(`vre-kernel: ${a.join(' ')}\n`);

function send(obj) {
  // stdout to a pipe is synchronous on Linux: a reply is never interleaved with another.
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function errorOutput(ename, evalue, traceback) {
  return { type: 'error', ename, evalue, traceback: traceback ?? [`${ename}: ${evalue}`] };
}

function duckdbError(e) {
  const message = String(e?.message ?? e).replace(/^Failed to extract statements: /, '');
  const m = /^([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)? Error): ([\s\S]*)$/.exec(message);
  let ename = m ? m[1].replace(/ /g, '') : 'DuckDBError';
  let evalue = m ? m[2] : message;
  if (ename === 'INTERRUPTError') { ename = 'KeyboardInterrupt'; evalue = 'query cancelled'; } // same as a Python cell
  return errorOutput(ename, evalue);
}

// --- private run directory: Unix socket for vre.sql() from the Python kernel ------------------------
const runDir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'vre-kernel-'));
fs.chmodSync(runDir, 0o700);
const socketPath = path.join(runDir, 'query.sock');

// --- DuckDB -----------------------------------------------------------------------------------------
let session;
async function openDb() {
  try {
    session = await openSession({ dataset: datasetPath() });
  } catch (e) {
    log(`cannot attach ${datasetPath()}: ${e.message}; continuing without the dataset`);
    session = await openSession({ dataset: '' });
    session.warning = `cannot open the dataset ${datasetPath()}: ${e.message}`;
  }
  if (session.warning) log(session.warning);
}
await openDb();

// Every use of the connection goes through this chain: one statement stream at a time.
let dbChain = Promise.resolve();
function withDb(fn) {
  const p = dbChain.then(() => fn());
  dbChain = p.catch(() => {});
  return p;
}

const server = net.createServer((sock) => {
  let busy = false;
  let chain = Promise.resolve();
  sock.on('close', () => { if (busy) session.conn.interrupt(); }); // Python side gave up (KeyboardInterrupt)
  sock.on('error', () => {});
  const rl = readline.createInterface({ input: sock, terminal: false });
  rl.on('line', (line) => {
    chain = chain.then(async () => {
      let text;
      try {
        const sql = JSON.parse(line).sql;
        if (typeof sql !== 'string') throw new Error('request must be {"sql": "..."}');
        busy = true;
        text = await withDb(() => columnarQuery(session.conn, sql));
      } catch (e) {
        text = errorJson(e);
      } finally {
        busy = false;
      }
      if (!sock.destroyed) sock.write(`${text}\n`);
    });
  });
});
await new Promise((resolve, reject) => server.listen(socketPath, resolve).once('error', reject));
fs.chmodSync(socketPath, 0o600);

// --- Python (IPython kernel through vre.kernel_bridge) ----------------------------------------------
const python = {
  state: 'stopped', // stopped | starting | ready | failed
  proc: null,
  ready: null, // Promise resolved when ready / rejected when failed
  pending: new Map(),
  startMs: null,
  error: null,
  seq: 0,

  start() {
    if (this.state === 'starting' || this.state === 'ready') return this.ready;
    this.state = 'starting';
    this.error = null;
    const t = performance.now();
    const env = {
      ...process.env,
      VRE_KERNEL_SOCKET: socketPath,
      MPLCONFIGDIR: process.env.MPLCONFIGDIR || path.join(os.tmpdir(), 'matplotlib'),
      MPLBACKEND: 'module://matplotlib_inline.backend_inline',
      JUPYTER_RUNTIME_DIR: path.join(runDir, 'jupyter'),
      // for the IPython kernel, which runs the researcher's code and may use what they installed
      PYTHONPATH: [process.env.PYTHONPATH, path.resolve(path.dirname(new URL(import.meta.url).pathname), '../python')].filter(Boolean).join(':'),
    };
    // The bridge itself is ours, so isolated (-I): no user site-packages (a .pth planted in the
    // writable home would run in it), no PYTHON* variables, no working directory on sys.path
    // (`-m` would put it first, ahead of the real `vre`). It finds `vre` through dist-packages'
    // vre.pth; the kernel it starts is a plain python3 with the environment above.
    const proc = spawn('/usr/bin/python3', ['-I', '-m', 'vre.kernel_bridge'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    this.proc = proc;
    let resolveReady;
    let rejectReady;
    this.ready = new Promise((res, rej) => { resolveReady = res; rejectReady = rej; });
    this.ready.catch(() => {});
    const rl = readline.createInterface({ input: proc.stdout, terminal: false });
    rl.on('line', (line) => {
      let msg;
      try { msg = JSON.parse(line); } catch { log(`bridge: ${line}`); return; }
      if (msg.event === 'ready') {
        this.state = 'ready';
        this.startMs = ms(t);
        send({ event: 'python-ready', startMs: this.startMs, kernelStartMs: msg.startMs });
        resolveReady();
      } else if (msg.event === 'failed') {
        this.state = 'failed';
        this.error = msg.error;
        send({ event: 'python-failed', error: msg.error });
        rejectReady(new Error(msg.error));
      } else if (msg.id !== undefined && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        p.resolve(msg);
      }
    });
    proc.on('error', (e) => log(`cannot start python3: ${e.message}`));
    proc.on('exit', (code, signal) => {
      if (this.proc !== proc) return;
      const wasStarting = this.state === 'starting';
      this.state = wasStarting ? 'failed' : 'stopped';
      this.proc = null;
      const why = `the Python bridge exited (${signal ?? `code ${code}`})`;
      if (wasStarting) {
        this.error = why;
        send({ event: 'python-failed', error: why });
        rejectReady(new Error(why));
      }
      for (const p of this.pending.values()) p.resolve({ status: 'error', outputs: [errorOutput('KernelDied', why)] });
      this.pending.clear();
    });
    return this.ready;
  },

  request(msg) {
    const key = `b${++this.seq}`;
    return new Promise((resolve) => {
      this.pending.set(key, { resolve });
      this.proc.stdin.write(`${JSON.stringify({ ...msg, id: key })}\n`);
    });
  },

  async execute(code) {
    if (this.state !== 'ready') await this.start();
    return this.request({ op: 'execute', code });
  },

  interrupt() {
    if (this.proc && this.state === 'ready') this.proc.stdin.write('{"op":"interrupt"}\n');
  },

  kill() {
    if (this.proc) this.proc.kill('SIGKILL'); // the IPython kernel notices its parent's death and exits
  },

  async restart() {
    if (this.state === 'ready') return this.request({ op: 'restart' });
    await this.stop();
    if (PYTHON_MODE === 'off') return { status: 'ok', outputs: [] };
    await this.start();
    return { status: 'ok', outputs: [], startMs: this.startMs };
  },

  stop() {
    const proc = this.proc;
    if (!proc) return Promise.resolve();
    this.proc = null;
    this.state = 'stopped';
    return new Promise((resolve) => {
      const timer = setTimeout(() => { proc.kill('SIGKILL'); resolve(); }, 3000);
      proc.once('exit', () => { clearTimeout(timer); resolve(); });
      try { proc.stdin.end('{"op":"shutdown"}\n'); } catch { proc.kill('SIGKILL'); }
    });
  },
};

// --- cells ------------------------------------------------------------------------------------------
async function runSqlCell(source) {
  const outputs = [];
  if (isBlank(source)) return { status: 'ok', outputs };
  try {
    await withDb(() => runStatements(session.conn, source, CAP, (res) => {
      if (res.isData) {
        outputs.push({ type: 'table', columns: res.columns, rows: res.rows, rowCount: res.rowCount, truncated: res.truncated });
      } else if (res.affected !== null && res.statementType !== 7) {
        outputs.push({ type: 'stream', name: 'stdout', text: `${res.affected} row${res.affected === 1 ? '' : 's'} affected\n` });
      }
    }));
    return { status: 'ok', outputs };
  } catch (e) {
    outputs.push(duckdbError(e));
    return { status: 'error', outputs };
  }
}

async function runPythonCell(source) {
  if (PYTHON_MODE === 'off') return { status: 'error', outputs: [errorOutput('PythonUnavailable', 'Python cells are disabled in this sandbox (VRE_KERNEL_PYTHON=off)')] };
  try {
    const reply = await python.execute(source);
    const { id: _ignored, ...rest } = reply;
    return rest;
  } catch (e) {
    return { status: 'error', outputs: [errorOutput('PythonUnavailable', `the Python kernel could not start: ${e.message}`)] };
  }
}

// --- export: a cell's result, every row, as CSV beside its source (for the airlock) -----------------
const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SELECT_STATEMENT = 1; // DuckDB's StatementType.SELECT (also FROM-first queries, WITH, VALUES)

async function writeSqlCsv(source, csvPath, created) {
  const extracted = await session.conn.extractStatements(source);
  if (extracted.count === 0) throw new Error('the cell has no statement');
  const prepared = await extracted.prepare(extracted.count - 1);
  let fd = null;
  let rows = 0;
  try {
    // only a query runs again: an INSERT, UPDATE or CREATE at the end would change things twice
    if (prepared.statementType !== SELECT_STATEMENT) throw new Error('the cell\'s last statement is not a query (SELECT, FROM, WITH ...); there is no table to send');
    fd = fs.openSync(csvPath, 'wx', 0o644);
    created.push(csvPath);
    const result = await prepared.stream();
    const n = result.columnCount;
    if (n === 0) throw new Error('the cell\'s last statement gives no table');
    const types = Array.from({ length: n }, (_, i) => result.columnType(i));
    fs.writeSync(fd, `${result.deduplicatedColumnNames().map(csvField).join(',')}\r\n`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const cols = Array.from({ length: n }, (_, c) => chunk.getColumnVector(c));
      const lines = [];
      for (let r = 0; r < chunk.rowCount; r++) {
        lines.push(cols.map((col, c) => csvField(toDisplay(col.getItem(r), types[c]))).join(','));
      }
      fs.writeSync(fd, `${lines.join('\r\n')}\r\n`);
      rows += chunk.rowCount;
    }
  } finally {
    prepared.destroySync();
    if (fd !== null) fs.closeSync(fd);
  }
  return rows;
}

async function writePythonCsv(source, csvPath, created) {
  const code = `import vre.export as _vre_export\n_vre_export.last_value_to_csv(${JSON.stringify(source)}, ${JSON.stringify(csvPath)})\ndel _vre_export`;
  if (python.state !== 'ready') await python.start();
  const reply = await python.request({ op: 'execute', code, history: false });
  const error = reply.outputs?.find((o) => o.type === 'error');
  if (error?.ename !== 'FileExistsError' && fs.existsSync(csvPath)) created.push(csvPath);
  if (reply.status !== 'ok' || error) throw new Error(error ? `${error.ename}: ${error.evalue}` : 'the Python kernel did not answer');
  const out = reply.outputs.filter((o) => o.type === 'stream' && o.name === 'stdout').map((o) => o.text).join('');
  // {"rows": N} and, for a fitted model, its residual degrees of freedom
  const { rows, residualDf } = JSON.parse(out.trim().split('\n').pop());
  return { rows, ...(Number.isSafeInteger(residualDf) && residualDf >= 0 ? { residualDf } : {}) };
}

async function exportCell({ language, source, dir, name }) {
  if (typeof source !== 'string' || (language !== 'sql' && language !== 'python') || typeof dir !== 'string' || !path.isAbsolute(dir) || typeof name !== 'string' || !EXPORT_NAME.test(name)) {
    return { status: 'error', outputs: [errorOutput('ProtocolError', 'export needs "language", "source", an absolute "dir" and a "name" of letters, digits, ".", "_" and "-"')] };
  }
  const csvPath = path.join(dir, `${name}.csv`);
  const queryPath = path.join(dir, `${name}.${language === 'sql' ? 'sql' : 'py'}`);
  for (const p of [csvPath, queryPath]) {
    if (fs.existsSync(p) || isSymlink(p)) return { status: 'error', outputs: [errorOutput('FileExistsError', `${path.basename(p)} exists already in the outbox`)] };
  }
  const created = [];
  try {
    fs.writeFileSync(queryPath, source.endsWith('\n') ? source : `${source}\n`, { flag: 'wx', mode: 0o644 });
    created.push(queryPath);
    const { rows, residualDf } = language === 'sql'
      ? { rows: await withDb(() => writeSqlCsv(source, csvPath, created)) }
      : await writePythonCsv(source, csvPath, created);
    // the digest binds the CSV to the query that made it: the airlock recounts from that query
    const file = (p) => {
      const st = fs.statSync(p);
      const sha256 = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      return { path: p, size: st.size, modifiedAt: new Date(Math.floor(st.mtimeMs)).toISOString(), sha256 };
    };
    return { status: 'ok', outputs: [], rows, ...(residualDf !== undefined ? { residualDf } : {}), csv: file(csvPath), query: file(queryPath) };
  } catch (e) {
    // a half-written export never waits in the outbox; files that were there already stay
    for (const p of created) { try { fs.unlinkSync(p); } catch { /* gone */ } }
    const out = language === 'sql' && e?.message && !/^the cell/.test(e.message) ? duckdbError(e) : errorOutput('ExportError', String(e?.message ?? e));
    return { status: 'error', outputs: [out] };
  }
}

function isSymlink(p) {
  try { return fs.lstatSync(p).isSymbolicLink(); } catch { return false; }
}

// --- queue ------------------------------------------------------------------------------------------
const queue = [];
let running = null; // { id, language }
let generation = 0;

function enqueue(job) {
  queue.push(job);
  pump();
}

async function pump() {
  if (running) return;
  const job = queue.shift();
  if (!job) return;
  running = job;
  const t = performance.now();
  let reply;
  try {
    reply = await job.run();
  } catch (e) {
    reply = { status: 'error', outputs: [errorOutput('InternalError', String(e?.stack ?? e))] };
  }
  send({ id: job.id, ...reply, durationMs: ms(t) });
  running = null;
  setImmediate(pump);
}

function interrupt() {
  if (!running) return false;
  session.conn.interrupt(); // SQL cell, or vre.sql() inside a Python cell
  if (running.language === 'python') python.interrupt();
  return true;
}

async function shutdown(code = 0) {
  try { await python.stop(); } catch { /* ignore */ }
  server.close();
  try { session.close(); } catch { /* ignore */ }
  fs.rmSync(runDir, { recursive: true, force: true });
  process.exit(code);
}

// --- requests ---------------------------------------------------------------------------------------
function handle(msg) {
  const id = msg.id ?? null;
  if (msg.op === 'interrupt') {
    const was = running?.id ?? null;
    interrupt();
    send({ id, status: 'ok', outputs: [], interrupted: was });
    return;
  }
  if (msg.op === 'restart') {
    generation++;
    for (const job of queue.splice(0)) {
      send({ id: job.id, status: 'error', outputs: [errorOutput('KernelRestarted', 'the kernel was restarted before this cell ran')], durationMs: 0 });
    }
    const stuck = running;
    interrupt();
    if (stuck?.language === 'python') {
      // A cell that ignores KeyboardInterrupt (busy in C code): kill the Python side after 5 s.
      setTimeout(() => { if (running === stuck) python.kill(); }, 5000).unref();
    }
    // Runs after the (interrupted) current cell; new cells queue behind it.
    queue.unshift({
      id,
      language: 'restart',
      run: async () => {
        const t = performance.now();
        await withDb(async () => { session.close(); await openDb(); });
        const sqlMs = ms(t);
        const py = await python.restart();
        return { status: py.status ?? 'ok', outputs: py.outputs ?? [], sqlMs, pythonStartMs: py.startMs ?? null };
      },
    });
    pump();
    return;
  }
  if (msg.op === 'status' || msg.op === 'ping') {
    send({
      id, status: 'ok', outputs: [],
      sql: { dataset: session.dataset, warning: session.warning, duckdb: session.version, rowCap: CAP },
      python: { state: python.state, startMs: python.startMs, error: python.error },
      running: running?.id ?? null,
      queued: queue.length,
    });
    return;
  }
  if (msg.op === 'shutdown') {
    send({ id, status: 'ok', outputs: [] });
    shutdown(0);
    return;
  }
  if (msg.op === 'export') {
    const gen = generation;
    enqueue({
      id,
      language: msg.language,
      run: () => gen !== generation
        ? { status: 'error', outputs: [errorOutput('KernelRestarted', 'the kernel was restarted before this export ran')] }
        : exportCell(msg),
    });
    return;
  }
  if (msg.op !== undefined && msg.op !== 'execute') {
    send({ id, status: 'error', outputs: [errorOutput('ProtocolError', `unknown op ${JSON.stringify(msg.op)}`)] });
    return;
  }
  const { language, source } = msg;
  if (typeof source !== 'string' || (language !== 'sql' && language !== 'python')) {
    send({ id, status: 'error', outputs: [errorOutput('ProtocolError', 'a cell needs "language": "sql"|"python" and "source": string')] });
    return;
  }
  const gen = generation;
  enqueue({
    id,
    language,
    run: () => {
      if (gen !== generation) return { status: 'error', outputs: [errorOutput('KernelRestarted', 'the kernel was restarted before this cell ran')] };
      return language === 'sql' ? runSqlCell(source) : runPythonCell(source);
    },
  });
}

process.on('SIGINT', () => interrupt());
process.on('SIGTERM', () => shutdown(0));
process.stdout.on('error', () => shutdown(0)); // the gateway went away

send({
  event: 'ready',
  startMs: ms(T0),
  duckdb: session.version,
  dataset: session.dataset,
  warning: session.warning,
  rowCap: CAP,
  python: PYTHON_MODE === 'off' ? 'off' : PYTHON_MODE === 'lazy' ? 'lazy' : 'starting',
});
if (PYTHON_MODE === 'background') python.start().catch(() => {});

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line);
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) throw new Error('not a JSON object');
  } catch (e) {
    send({ id: null, status: 'error', outputs: [errorOutput('ProtocolError', `bad request: ${e.message}`)] });
    return;
  }
  handle(msg);
});
rl.on('close', () => {
  // stdin closed: finish what is queued, then stop.
  const wait = () => (running || queue.length ? setTimeout(wait, 50) : shutdown(0));
  wait();
});
