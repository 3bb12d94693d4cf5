#!/usr/bin/env node
// vre-recount: how many distinct individuals stand behind each row of a notebook cell's result, what
// each of its columns computes, and how much each individual contributes to its sums and means.
// The airlock runs it in the requester's sandbox, as an account of its own, for a CSV a cell sent
// to the outbox, so that the disclosure rules count people, not whatever the table prints.
//
//   echo '{"source": "...", "personColumn": "person_id", "identifiers": ["person_id"]}' | vre-recount
//
// On its own DuckDB (the dataset attached read-only, no file access, configuration locked; see
// lib/readonly.mjs) it replays the cell's statements but the last, then runs the last one, a
// grouped SELECT, with the count of distinct persons of every dataset table in its FROM clause that
// has the person column added (the least of them). A row's count is the fewest people behind any
// of its aggregates, counted under the aggregate's FILTER and where its arguments are not NULL. People are counted only in the dataset's own
// tables: a FROM clause reading a subquery, a WITH query, a function, renamed columns, or a person
// column of a table made in the notebook gets no recount. Prints one JSON line:
//   {"ok": true, "columns": [...], "rows": [[cell text, ...], ...], "individuals": [n, ...],
//    "person": "c.person_id", "roles": [role|null, ...], "contributions": [{row, column, top, total, min, individuals}],
//    "contributionsUnavailable": "why" (optional), "ms": N}
//   {"ok": false, "reason": "..."}
// Cell texts are those a CSV reader gets back from the exported file, so the gateway can match rows.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { datasetPath, toDisplay } from '../lib/duckdb.mjs';
import { csvText } from '../lib/csv.mjs';
import { splitSql } from '../lib/sqltext.mjs';
import { firstWord, openReadOnly, replay } from '../lib/readonly.mjs';
import { aggregateCalls, cteNames, declaredRoles, fromRefs, groupKeys, hasSubquery } from '../lib/sqltree.mjs';
import { contributionsByGroup, planContributions } from '../lib/contributions.mjs';

const T0 = performance.now();
// under the gateway's deadline (120 s), so that a replay that would run for ever ends here, with the reason
const MAX_MS = 100_000;
const MAX_ROWS = 200_000;
const MAX_CONTRIBUTIONS = 100_000;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

function done(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
  process.exit(0);
}
const unavailable = (reason) => done({ ok: false, reason });

const deadline = Math.min(Number(process.env.VRE_RECOUNT_MAX_MS) || MAX_MS, MAX_MS);
setTimeout(() => {
  // a running query keeps DuckDB from closing, and so the process from exiting: answer, then end it
  fs.writeSync(1, `${JSON.stringify({ ok: false, reason: `the recount took longer than ${deadline / 1000} s` })}\n`);
  process.kill(process.pid, 'SIGKILL');
}, deadline).unref();
try {
  await main();
} catch (e) {
  // whatever went wrong, the answer is that there is no recount
  unavailable(e?.message ?? String(e));
}

async function main() {
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
  const identifiers = request.identifiers ?? [personColumn];
  if (typeof source !== 'string' || typeof personColumn !== 'string' || !NAME.test(personColumn) ||
      !Array.isArray(identifiers) || !identifiers.every((c) => typeof c === 'string')) {
    unavailable('the request needs "source", a plain "personColumn" name and "identifiers" as a list of names');
  }
  const person = personColumn.toLowerCase();

  const session = await openReadOnly(datasetPath());
  const conn = session.conn;
  const statements = splitSql(source);
  if (statements.length === 0) unavailable('the cell has no statement');
  await replay(session, statements.slice(0, -1));
  const last = statements.at(-1);
  if (!['select', 'with', 'from'].includes(firstWord(last))) unavailable('only a single SELECT can be recounted');

  // the query's syntax tree, as DuckDB parses it
  const parsed = await conn.runAndReadAll(`SELECT json_serialize_sql(${sqlString(last)})`);
  const tree = JSON.parse(String(parsed.getRows()[0][0]));
  if (tree.error) unavailable(`the query could not be parsed: ${tree.error_message ?? tree.error_type ?? 'unknown error'}`);
  const node = tree.statements?.[0]?.node;
  if (tree.statements?.length !== 1 || node?.type !== 'SELECT_NODE') {
    unavailable('only a single SELECT can be recounted (not UNION, VALUES or PIVOT)');
  }
  if ((node.group_expressions?.length ?? 0) === 0 && node.aggregate_handling !== 'FORCE_AGGREGATES') {
    unavailable('the query is not grouped (no GROUP BY): its rows are not counts of groups');
  }
  if ((node.group_sets?.length ?? 0) > 1) unavailable('GROUPING SETS, ROLLUP and CUBE are not recounted');
  if (node.select_list.some((e) => e.class === 'STAR')) unavailable('a query selecting * is not recounted: name its columns');
  if (node.select_list.some(hasSubquery)) {
    unavailable("a subquery in the select list reads rows outside each row's group: the recount cannot tell how many people its values rest on");
  }

  const refs = await resolveFrom(conn, session.datasetTables, node, person);
  const counted = refs.filter((r) => r.dataset && r.hasPerson);
  if (counted.length === 0) unavailable(`no table of the dataset in the query's FROM clause has a ${personColumn} column`);

  const aggregates = await aggregateNames(conn);
  const marked = new Set([person, ...identifiers.map((c) => c.toLowerCase()), ...(await markedIdentifiers(conn, session.datasetTables))]);
  const roles = declaredRoles(node, aggregates, marked);
  const { plans, skipped } = planContributions(node, roles, aggregates, refs);
  const { keys, complete } = groupKeys(node, aggregates);

  // the least of the distinct persons of each dataset table with a person column: a join with a
  // table of other people can never raise the count
  const recountTree = structuredClone(tree);
  const counts = counted.map((r) =>
    fn('count', [{ class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: r.person }], '', { distinct: true }),
  );
  recountTree.statements[0].node.select_list.push(counts.length === 1 ? { ...counts[0], alias: '__vre_individuals' } : fn('least', counts, '__vre_individuals'));
  // an aggregate with a FILTER or over a value that can be NULL rests on fewer people than its
  // row: count(*) FILTER (WHERE ...) may count one person's claims in a row of hundreds
  const cells = node.select_list.flatMap((e) => aggregateCalls(e, aggregates)).flatMap((agg) => {
    const conditions = [
      ...(agg.filter ? [agg.filter] : []),
      ...agg.children.filter((c) => c.class !== 'CONSTANT').map((c) => ({ class: 'OPERATOR', type: 'OPERATOR_IS_NOT_NULL', alias: '', query_location: 0, children: [c] })),
    ];
    if (conditions.length === 0) return [];
    const filter = conditions.length === 1 ? conditions[0] : { class: 'CONJUNCTION', type: 'CONJUNCTION_AND', alias: '', query_location: 0, children: conditions };
    const each = counted.map((r) => fn('count', [{ class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 0, column_names: r.person }], '', { distinct: true, filter }));
    return [each.length === 1 ? each[0] : fn('least', each)];
  });
  cells.forEach((c, j) => recountTree.statements[0].node.select_list.push({ ...c, alias: `__vre_cell${j}` }));
  const added = 1 + cells.length;
  const rewritten = await conn.runAndReadAll(`SELECT json_deserialize_sql(${sqlString(JSON.stringify(recountTree))})`);
  const result = await conn.stream(String(rewritten.getRows()[0][0]));
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
      for (let c = 0; c < n - added; c++) row.push(csvText(toDisplay(cols[c].getItem(r), types[c])));
      rows.push(row);
      // a row rests on as few people as the fewest (but none) behind any of its aggregates
      const behind = Array.from({ length: added }, (_, k) => Number(cols[n - added + k].getItem(r)));
      individuals.push(Math.min(behind[0], ...behind.slice(1).filter((x) => x > 0)));
    }
  }

  // contributions, matched to the rows by the text of their group keys
  const contributions = [];
  const missing = [];
  const keyList = [...keys].sort((a, b) => a - b);
  const keyText = (row) => JSON.stringify(keyList.map((i) => row[i]));
  if (skipped.length > 0) {
    missing.push(`${skipped.map((c) => names[c]).join(', ')} ${skipped.length === 1 ? 'is' : 'are'} not a plain sum, mean, minimum or maximum of one column of a dataset table with a ${personColumn} column, so no one's share can be attributed`);
  }
  if (plans.length > 0) {
    if (!complete) missing.push('a GROUP BY expression is not among the selected columns, so the groups cannot be told apart');
    else if (new Set(rows.map(keyText)).size !== rows.length) missing.push('two rows have the same group keys');
    else if (rows.length * plans.length > MAX_CONTRIBUTIONS) missing.push(`the table has more than ${MAX_CONTRIBUTIONS} cells to attribute`);
    else {
      const byGroup = await contributionsByGroup(conn, tree, keyList, plans, MAX_ROWS);
      rows.forEach((row, r) => {
        for (const [column, c] of byGroup.get(keyText(row)) ?? []) contributions.push({ row: r, column, ...c });
      });
    }
  }

  session.close();
  done({
    ok: true,
    columns: names.slice(0, -added),
    rows,
    individuals,
    person: counted.map((r) => r.person.join('.')).join(', '),
    roles,
    contributions,
    ...(missing.length > 0 ? { contributionsUnavailable: missing.join('; ') } : {}),
    ms: Math.round(performance.now() - T0),
  });
}

function fn(name, children, alias = '', extra = {}) {
  return {
    class: 'FUNCTION', type: 'FUNCTION', alias, query_location: 0, function_name: name, schema: 'main', catalog: 'system',
    children, filter: null, order_bys: { type: 'ORDER_MODIFIER', orders: [] }, distinct: false, is_operator: false, export_state: false,
    ...extra,
  };
}

/** Columns the dataset's own catalog marks as identifying a person (its vre_column_marks table). */
async function markedIdentifiers(conn, datasetTables) {
  const marks = datasetTables.get('vre_column_marks')?.find((t) => t.columns.has('column_name') && t.columns.has('mark'));
  if (marks === undefined) return [];
  const r = await conn.runAndReadAll(
    `SELECT DISTINCT lower(column_name) FROM dataset."${marks.schema.replaceAll('"', '""')}".vre_column_marks WHERE mark = 'identifier'`,
  );
  return r.getRows().map((row) => String(row[0]));
}

async function aggregateNames(conn) {
  const r = await conn.runAndReadAll("SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type = 'aggregate'");
  return new Set(r.getRows().map((row) => String(row[0])));
}

/**
 * The tables of the FROM clause, each resolved: a table of the dataset (its name is one, nothing in
 * the notebook can carry it, see lib/readonly.mjs) or one made in the notebook. Anything else ends
 * the recount, with the reason.
 */
async function resolveFrom(conn, datasetTables, node, person) {
  const ctes = cteNames(node);
  const out = [];
  for (const ref of fromRefs(node.from_table)) {
    if (ref.type !== 'BASE_TABLE') {
      unavailable('the query reads from a subquery or a function in its FROM clause: the recount counts people only in tables of the dataset named there');
    }
    const name = String(ref.table_name);
    const lower = name.toLowerCase();
    const catalog = String(ref.catalog_name ?? '').toLowerCase();
    const schema = String(ref.schema_name ?? '').toLowerCase();
    if ((ref.column_name_alias ?? []).length > 0) unavailable(`the query renames the columns of ${name}: the recount does not count people in renamed columns`);
    if (catalog === '' && schema === '' && ctes.has(lower)) {
      unavailable(`the query reads from ${name}, a WITH query: the recount counts people only in the dataset's own tables`);
    }
    const candidates = (datasetTables.get(lower) ?? []).filter((t) =>
      catalog === 'dataset' ? schema === '' || t.schema.toLowerCase() === schema
        : catalog === '' && (schema === '' || schema === 'dataset' || t.schema.toLowerCase() === schema));
    const label = String(ref.alias || name).toLowerCase();
    if (candidates.length > 0) {
      const columns = new Set(candidates.flatMap((t) => [...t.columns]));
      out.push({ dataset: true, label, columns, hasPerson: candidates.every((t) => t.columns.has(person)), person: [ref.alias || name, person] });
      continue;
    }
    const r = await conn.runAndReadAll(
      `SELECT list(DISTINCT lower(column_name)) FROM duckdb_columns() WHERE database_name <> 'dataset' AND lower(table_name) = ${sqlString(lower)}`,
    );
    const columns = new Set((r.getRows()[0]?.[0]?.items ?? []).map(String));
    if (columns.has(person)) {
      unavailable(`the ${person} column of ${name} comes from a table made in the notebook, not from the dataset: the recount does not trust it`);
    }
    out.push({ dataset: false, label, columns, hasPerson: false, person: null });
  }
  return out;
}
