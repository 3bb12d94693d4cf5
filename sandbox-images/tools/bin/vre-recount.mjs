#!/usr/bin/env node
// vre-recount: how many distinct individuals stand behind each row of a notebook cell's result.
// The airlock runs it in the requester's sandbox for a CSV a cell sent to the outbox, so that the
// minimum-threshold rule counts people, not whatever the table prints (claims, costs, means).
//
//   echo '{"source": "...", "personColumn": "person_id"}' | vre-recount
//
// On a fresh DuckDB (the dataset attached read-only, as in every tool) it replays the cell's
// statements but the last (temporary tables the query needs), then runs the last one, a grouped
// SELECT, with `count(DISTINCT <table>.<personColumn>) AS __vre_individuals` added to its select
// list: the first table in its FROM clause that has the person column. Prints one JSON line:
//   {"ok": true, "columns": [...], "rows": [[cell text, ...], ...], "individuals": [n, ...], "person": "p.person_id", "ms": N}
//   {"ok": false, "reason": "..."}   (not a grouped query, no table with the person column, ...)
// Cell texts are those a CSV reader gets back from the exported file, so the gateway can match rows.
import { performance } from 'node:perf_hooks';
import { openSession, datasetPath, toDisplay } from '../lib/duckdb.mjs';
import { csvText } from '../lib/csv.mjs';
import { splitSql } from '../lib/sqltext.mjs';

const T0 = performance.now();
const MAX_ROWS = 200_000;
const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

function done(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
  process.exit(0);
}
const unavailable = (reason) => done({ ok: false, reason });

let input = '';
for await (const chunk of process.stdin) input += chunk;
let request;
try {
  request = JSON.parse(input);
} catch (e) {
  unavailable(`bad request: ${e.message}`);
}
const { source } = request;
const personColumn = request.personColumn ?? 'person_id';
if (typeof source !== 'string' || typeof personColumn !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(personColumn)) {
  unavailable('the request needs "source" and a plain "personColumn" name');
}

const session = await openSession({ dataset: datasetPath() }).catch((e) => unavailable(`cannot open the dataset: ${e.message}`));
const conn = session.conn;

const statements = splitSql(source);
if (statements.length === 0) unavailable('the cell has no statement');
for (const [i, s] of statements.slice(0, -1).entries()) {
  try {
    await conn.run(s);
  } catch (e) {
    unavailable(`statement ${i + 1} of the cell failed when replayed: ${e.message}`);
  }
}
const last = statements.at(-1);

// the query's syntax tree, as DuckDB parses it
let tree;
try {
  const r = await conn.runAndReadAll(`SELECT json_serialize_sql(${sqlString(last)})`);
  tree = JSON.parse(String(r.getRows()[0][0]));
} catch (e) {
  unavailable(`the query could not be parsed: ${e.message}`);
}
if (tree.error) unavailable(`the query could not be parsed: ${tree.error_message ?? tree.error_type ?? 'unknown error'}`);
const node = tree.statements?.[0]?.node;
if (tree.statements?.length !== 1 || node?.type !== 'SELECT_NODE') {
  unavailable('only a single SELECT can be recounted (not UNION, VALUES or PIVOT)');
}
if ((node.group_expressions?.length ?? 0) === 0 && node.aggregate_handling !== 'FORCE_AGGREGATES') {
  unavailable('the query is not grouped (no GROUP BY): its rows are not counts of groups');
}
if ((node.group_sets?.length ?? 0) > 1) unavailable('GROUPING SETS, ROLLUP and CUBE are not recounted');

// the first table of the FROM clause, left to right, that has the person column
function baseTables(ref, out = []) {
  if (!ref) return out;
  if (ref.type === 'BASE_TABLE') out.push(ref);
  else if (ref.type === 'JOIN') {
    baseTables(ref.left, out);
    baseTables(ref.right, out);
  }
  return out;
}
let person = null;
for (const t of baseTables(node.from_table)) {
  const r = await conn.runAndReadAll(
    `SELECT count(*) FROM duckdb_columns() WHERE table_name = ${sqlString(t.table_name)} AND column_name = ${sqlString(personColumn)}` +
      (t.schema_name ? ` AND schema_name = ${sqlString(t.schema_name)}` : ''),
  );
  if (Number(r.getRows()[0][0]) > 0) {
    person = [t.alias || t.table_name, personColumn];
    break;
  }
}
if (person === null) unavailable(`no table in the query's FROM clause has a ${personColumn} column`);

node.select_list.push({
  class: 'FUNCTION',
  type: 'FUNCTION',
  alias: '__vre_individuals',
  query_location: 0,
  function_name: 'count',
  schema: '',
  children: [{ class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: person }],
  filter: null,
  order_bys: { type: 'ORDER_MODIFIER', orders: [] },
  distinct: true,
  is_operator: false,
  export_state: false,
  catalog: '',
});

let sql;
try {
  const r = await conn.runAndReadAll(`SELECT json_deserialize_sql(${sqlString(JSON.stringify(tree))})`);
  sql = String(r.getRows()[0][0]);
} catch (e) {
  unavailable(`the query could not be rewritten to count individuals: ${e.message}`);
}

let result;
try {
  result = await conn.stream(sql);
} catch (e) {
  unavailable(`the recount query failed: ${e.message}`);
}
const n = result.columnCount;
const names = result.deduplicatedColumnNames();
const types = Array.from({ length: n }, (_, i) => result.columnType(i));
const rows = [];
const individuals = [];
for (;;) {
  const chunk = await result.fetchChunk();
  if (!chunk || chunk.rowCount === 0) break;
  const cols = Array.from({ length: n }, (_, c) => chunk.getColumnVector(c));
  for (let r = 0; r < chunk.rowCount; r++) {
    if (rows.length >= MAX_ROWS) unavailable(`the result has more than ${MAX_ROWS} rows`);
    const row = [];
    for (let c = 0; c < n - 1; c++) row.push(csvText(toDisplay(cols[c].getItem(r), types[c])));
    rows.push(row);
    individuals.push(Number(cols[n - 1].getItem(r)));
  }
}
done({
  ok: true,
  columns: names.slice(0, -1),
  rows,
  individuals,
  person: person.join('.'),
  ms: Math.round(performance.now() - T0),
});
