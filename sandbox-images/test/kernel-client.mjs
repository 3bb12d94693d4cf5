#!/usr/bin/env node
// Drive vre-kernel inside a running sandbox container the way the gateway does (docker exec -i),
// print every reply (image data shortened) and check the results. Host-side; plain Node >= 18.
//
//   node sandbox-images/test/kernel-client.mjs CONTAINER
// Exit 0 when all checks pass. Prints timings as JSON on the last line.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

const container = process.argv[2];
if (!container) {
  console.error('usage: kernel-client.mjs CONTAINER');
  process.exit(2);
}

const t0 = performance.now();
const since = () => Math.round(performance.now() - t0);
const proc = spawn('docker', ['exec', '-i', container, 'vre-kernel'], { stdio: ['pipe', 'pipe', 'inherit'] });
const waiters = new Map();
const events = [];
const eventWaiters = [];
readline.createInterface({ input: proc.stdout }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.event) {
    events.push({ ...msg, at: since() });
    console.log(`[${since()} ms] event ${JSON.stringify(msg)}`);
    for (const w of eventWaiters.splice(0)) w();
    return;
  }
  const w = waiters.get(msg.id);
  if (w) { waiters.delete(msg.id); w(msg); }
});

function waitEvent(name, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${name}`)), timeoutMs);
    const check = () => {
      const e = events.find((x) => x.event === name || (name === 'python-ready' && x.event === 'python-failed'));
      if (e) { clearTimeout(timer); resolve(e); } else eventWaiters.push(check);
    };
    check();
  });
}

let n = 0;
function request(body, { quiet = false } = {}) {
  const id = `r${++n}`;
  const t = performance.now();
  return new Promise((resolve) => {
    waiters.set(id, (msg) => {
      const took = Math.round(performance.now() - t);
      if (!quiet) {
        const shown = JSON.stringify(msg, (k, v) => (k === 'data' && typeof v === 'string' && v.length > 60 ? `${v.slice(0, 24)}…(${v.length} chars base64)` : v));
        console.log(`[${since()} ms] ${body.language ?? body.op} (${took} ms) ${shown.length > 1500 ? `${shown.slice(0, 1500)}…` : shown}`);
      }
      resolve({ ...msg, took });
    });
    proc.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
  });
}

const failures = [];
function check(name, ok, detail = '') {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
  if (!ok) failures.push(name);
}

const ready = await waitEvent('ready');
check('kernel ready event', ready.event === 'ready', `${ready.at} ms after docker exec`);

// SQL before Python is up (IPython starts in the background).
let r = await request({ language: 'sql', source: 'select sex, count(*) as n, avg(age) as mean_age from patients group by sex order by sex' });
check('SQL cell returns a table', r.status === 'ok' && r.outputs[0]?.type === 'table' && r.outputs[0].rowCount === 2);

r = await request({ language: 'sql', source: 'create temp table older as select * from patients where age > 70; select count(*) as n from older;' });
check('temp table created', r.status === 'ok' && r.outputs.at(-1)?.rows?.[0]?.[0] === 75, JSON.stringify(r.outputs.at(-1)?.rows));
r = await request({ language: 'sql', source: 'select count(*) as n from older' });
check('temp table persists to the next SQL cell', r.status === 'ok' && r.outputs[0]?.rows?.[0]?.[0] === 75);

r = await request({ language: 'sql', source: 'select * from range(5000) t(i)' });
check('row cap applies', r.outputs[0]?.rows.length === 1000 && r.outputs[0].rowCount === 5000 && r.outputs[0].truncated === true);

r = await request({ language: 'sql', source: 'select * from no_such_table' });
check('SQL error is an error output', r.status === 'error' && r.outputs[0]?.type === 'error' && r.outputs[0].ename === 'CatalogError', r.outputs[0]?.ename);

r = await request({ language: 'sql', source: "insert into patients select * from patients limit 1" });
check('dataset is read-only', r.status === 'error' && /read-only/.test(r.outputs[0]?.evalue ?? ''), r.outputs[0]?.evalue?.split('\n')[0]);

const py = await waitEvent('python-ready', 120000);
check('python kernel ready', py.event === 'python-ready', `${py.startMs} ms after kernel start (${py.kernelStartMs} ms in jupyter_client)`);

r = await request({ language: 'python', source: "print('hello from', __import__('sys').version.split()[0])\n6 * 7" });
check('python stdout + result', r.status === 'ok' && r.outputs.some((o) => o.type === 'stream' && /hello from/.test(o.text)) && r.outputs.some((o) => o.type === 'text' && o.text === '42'));

r = await request({
  language: 'python',
  source: [
    'import matplotlib.pyplot as plt',
    'fig, ax = plt.subplots(figsize=(4, 3))',
    "ax.bar(['東京', '大阪', '札幌'], [166, 167, 167])",
    "ax.set_title('患者数 by prefecture')",
    'plt.show()',
  ].join('\n'),
});
const img = r.outputs.find((o) => o.type === 'image');
check('matplotlib figure -> image/png', r.status === 'ok' && img?.mime === 'image/png' && Buffer.from(img.data, 'base64').subarray(1, 4).toString() === 'PNG',
  img ? `${Buffer.from(img.data, 'base64').length} bytes` : JSON.stringify(r.outputs).slice(0, 300));

r = await request({ language: 'python', source: "import vre\ndf = vre.sql('select * from older order by patient_id')\nprint(df.dtypes.to_dict())\ndf.head(3)" });
const t = r.outputs.find((o) => o.type === 'table');
check('vre.sql() sees the SQL cells\' temp table, DataFrame shown as table', r.status === 'ok' && t?.rowCount === 3 && t.columns.length === 5,
  r.outputs.filter((o) => o.type === 'stream').map((o) => o.text.trim()).join(' '));

r = await request({ language: 'python', source: "labs = vre.sql('select * from labs')\nlabs.groupby('test')['value'].describe()" });
check('DataFrame with index -> table with index column', r.status === 'ok' && r.outputs[0]?.type === 'table' && r.outputs[0].columns[0].index === true);

r = await request({ language: 'python', source: "vre.sql('create temp table from_py as select 1 as x')\n" });
r = await request({ language: 'sql', source: 'select * from from_py' });
check('temp table made from Python is visible to SQL cells', r.status === 'ok' && r.outputs[0]?.rows?.[0]?.[0] === 1);

r = await request({ language: 'python', source: '1/0' });
check('python exception -> error output', r.status === 'error' && r.outputs.some((o) => o.type === 'error' && o.ename === 'ZeroDivisionError' && o.traceback.length > 0));

// Interrupt a long Python cell.
const long = request({ language: 'python', source: 'import time\nfor i in range(600):\n    time.sleep(0.1)' });
await new Promise((res) => setTimeout(res, 800));
await request({ op: 'interrupt' });
r = await long;
check('interrupt stops a Python cell', r.status === 'error' && r.outputs.some((o) => o.ename === 'KeyboardInterrupt'), `${r.took} ms`);

// Interrupt a long SQL cell.
const longSql = request({ language: 'sql', source: 'select count(*) from range(100000000000) a' });
await new Promise((res) => setTimeout(res, 500));
await request({ op: 'interrupt' });
r = await longSql;
check('interrupt stops a SQL cell', r.status === 'error' && r.outputs[0]?.ename === 'KeyboardInterrupt', `${r.took} ms`);

r = await request({ language: 'python', source: 'x = 41\nx + 1' });
check('kernel usable after interrupts', r.status === 'ok' && r.outputs.some((o) => o.text === '42'));

const restart = await request({ op: 'restart' });
check('restart', restart.status === 'ok', `${restart.took} ms`);
r = await request({ language: 'python', source: 'x' });
check('restart cleared Python state', r.status === 'error' && r.outputs[0]?.ename === 'NameError');
r = await request({ language: 'sql', source: 'select count(*) from older' });
check('restart cleared temp tables', r.status === 'error');

const status = await request({ op: 'status' });
await request({ op: 'shutdown' });
proc.stdin.end();
await new Promise((res) => proc.on('exit', res));

const timings = {
  kernelReadyMs: ready.at,
  pythonReadyMs: py.startMs,
  jupyterClientStartMs: py.kernelStartMs,
  restartMs: restart.took,
  pythonState: status.python?.state,
};
console.log(`${failures.length ? `FAILED: ${failures.join(', ')}` : 'all kernel checks passed'}`);
console.log(JSON.stringify(timings));
process.exit(failures.length ? 1 : 0);
