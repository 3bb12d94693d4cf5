#!/usr/bin/env node
// vre-query: DuckDB results as column-major JSON for the Python module `vre` (see lib/columnar.mjs).
//
//   vre-query "SELECT ..."      one query (or SQL on stdin); prints one JSON line; exit 1 on error
//   vre-query --serve           line-delimited JSON on stdin/stdout, one persistent connection:
//                               request {"sql": "..."} -> one line: result JSON or {"error": {ename, message}}
//                               SIGINT cancels the running query instead of exiting.
// The dataset (VRE_DATASET, default /data/dataset.duckdb) is attached READ ONLY, as in vre-sql.
import readline from 'node:readline';
import { openSession, datasetPath } from '../lib/duckdb.mjs';
import { columnarQuery, errorJson } from '../lib/columnar.mjs';

const args = process.argv.slice(2);
if (args[0] === '-h' || args[0] === '--help') {
  console.log('usage: vre-query [SQL | --serve]   (SQL may also come on stdin)');
  process.exit(0);
}

function write(line) {
  return new Promise((resolve) => {
    if (process.stdout.write(`${line}\n`)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

let session;
try {
  session = await openSession({ dataset: datasetPath() });
} catch (e) {
  await write(errorJson(new Error(`cannot open the dataset ${datasetPath()}: ${e.message}`)));
  process.exit(1);
}

if (args[0] === '--serve') {
  process.on('SIGINT', () => session.conn.interrupt());
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let sql;
    try {
      sql = JSON.parse(line).sql;
      if (typeof sql !== 'string') throw new Error('request must be {"sql": "..."}');
    } catch (e) {
      await write(errorJson(new Error(`bad request: ${e.message}`)));
      continue;
    }
    try {
      await write(await columnarQuery(session.conn, sql));
    } catch (e) {
      await write(errorJson(e));
    }
  }
  session.close();
  process.exit(0);
}

let sql = args.join(' ');
if (!sql.trim()) {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  sql = Buffer.concat(chunks).toString('utf8');
}
try {
  await write(await columnarQuery(session.conn, sql));
  session.close();
  process.exit(0);
} catch (e) {
  await write(errorJson(e));
  session.close();
  process.exit(1);
}
