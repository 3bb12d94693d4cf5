// The recount's own DuckDB, out of the researcher's reach: the dataset attached READ_ONLY, then no
// file system or network access at all and the configuration locked, so a statement replayed from
// a notebook cell can neither write anywhere (COPY, EXPORT, ATTACH) nor change how it runs. Replayed
// statements are screened first: only queries and changes to scratch tables run, and nothing made
// in the notebook may carry the name of a dataset table (it would be counted as the dataset) or of
// a built-in function (count, sum: the recount relies on what they mean).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;
const sqlIdent = (s) => `"${String(s).replaceAll('"', '""')}"`;

/** A refusal whose reason is meant for the reviewer as it is. */
export class Refused extends Error {}

/**
 * Opens the dataset read-only with external access off and the configuration locked.
 * @returns {Promise<{conn, datasetTables: Map<string, {schema: string, name: string, columns: Set<string>}[]>, close: () => void}>}
 */
export async function openReadOnly(dataset) {
  if (!dataset || !fs.existsSync(dataset)) throw new Refused(`there is no dataset at ${dataset || '(unset)'}`);
  // spilled intermediate results go to a fresh folder only this account can enter
  const tmp = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'vre-recount-'));
  const options = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    temp_directory: tmp,
  };
  if (process.env.VRE_DUCKDB_MEMORY_LIMIT) options.memory_limit = process.env.VRE_DUCKDB_MEMORY_LIMIT;
  if (process.env.VRE_DUCKDB_THREADS) options.threads = process.env.VRE_DUCKDB_THREADS;
  const instance = await DuckDBInstance.create(':memory:', options);
  const conn = await instance.connect();
  await conn.run(`ATTACH ${sqlString(dataset)} AS dataset (READ_ONLY)`);
  // only once attached: from here no file can be opened, read or written by any statement
  await conn.run('SET enable_external_access = false');
  const r = await conn.runAndReadAll(
    `SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'dataset'
       AND schema_name NOT IN ('information_schema', 'pg_catalog') ORDER BY schema_name = 'main' DESC, schema_name`,
  );
  const schemas = r.getRows().map((row) => String(row[0]));
  await conn.run(`SET search_path = ${sqlString(['memory.main', ...schemas.map((s) => `dataset.${sqlIdent(s)}`)].join(','))}`);
  await conn.run('SET lock_configuration = true');
  const datasetTables = new Map();
  const cols = await conn.runAndReadAll(
    `SELECT schema_name, table_name, list(column_name) FROM duckdb_columns() WHERE database_name = 'dataset' GROUP BY ALL`,
  );
  for (const [schema, name, columns] of cols.getRows()) {
    const key = String(name).toLowerCase();
    const entry = { schema: String(schema), name: String(name), columns: new Set(columns.items.map((c) => String(c).toLowerCase())) };
    datasetTables.set(key, [...(datasetTables.get(key) ?? []), entry]);
  }
  return {
    conn,
    datasetTables,
    close() {
      try { conn.closeSync(); } catch { /* closed */ }
      try { instance.closeSync(); } catch { /* closed */ }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

// DuckDB's statement types (duckdb.h) that a replay may run: queries and changes to scratch tables
const REPLAYABLE = new Set([1 /* SELECT */, 2 /* INSERT */, 3 /* UPDATE */, 5 /* DELETE */, 7 /* CREATE */, 9 /* ALTER */, 15 /* DROP */]);
const FIRST_WORDS = new Set(['select', 'with', 'from', 'values', 'table', 'create', 'insert', 'update', 'delete', 'drop', 'alter']);

/** The statement's first keyword, lower case, after comments and opening parentheses. */
export function firstWord(sql) {
  const m = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*([A-Za-z_]+)/.exec(sql);
  return m ? m[1].toLowerCase() : '';
}

/**
 * Runs the statements before the cell's query, one by one, refusing (with the reason) any that
 * could reach outside the session or change settings, and any that leaves a table, view or macro
 * named like a dataset table or a built-in function.
 */
export async function replay(session, statements) {
  const { conn } = session;
  const builtins = await functionNames(conn, "database_name = 'system'");
  for (const [i, s] of statements.entries()) {
    const n = i + 1;
    const word = firstWord(s);
    if (!FIRST_WORDS.has(word)) {
      throw new Refused(`statement ${n} of the cell (${word.toUpperCase() || 'unrecognized'}) is not run by the recount: only queries and scratch tables are replayed, never COPY, EXPORT, ATTACH, INSTALL, LOAD, SET, PRAGMA or CALL`);
    }
    const extracted = await conn.extractStatements(s).catch((e) => {
      throw new Error(`statement ${n} of the cell failed when replayed: ${e.message}`);
    });
    if (extracted.count !== 1) throw new Refused(`statement ${n} of the cell could not be read as one statement`);
    let prepared;
    try {
      prepared = await extracted.prepare(0);
    } catch (e) {
      throw new Error(`statement ${n} of the cell failed when replayed: ${e.message}`);
    }
    try {
      if (!REPLAYABLE.has(prepared.statementType)) {
        throw new Refused(`statement ${n} of the cell is not run by the recount: only queries and scratch tables are replayed`);
      }
      await prepared.run();
    } catch (e) {
      if (e instanceof Refused) throw e;
      throw new Error(`statement ${n} of the cell failed when replayed: ${e.message}`);
    } finally {
      prepared.destroySync();
    }
    await refuseShadows(session, builtins, n);
  }
}

async function functionNames(conn, where) {
  const r = await conn.runAndReadAll(`SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE ${where}`);
  return new Set(r.getRows().map((row) => String(row[0])));
}

/** Refuses when the notebook's own objects now carry a dataset table's or a built-in function's name. */
async function refuseShadows(session, builtins, n) {
  const { conn, datasetTables } = session;
  const r = await conn.runAndReadAll(`
    SELECT name, kind FROM (
      SELECT table_name AS name, 'table' AS kind, database_name FROM duckdb_tables()
      UNION ALL SELECT view_name, 'view', database_name FROM duckdb_views() WHERE NOT internal
      UNION ALL SELECT function_name, 'macro', database_name FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro'))
    WHERE database_name NOT IN ('dataset', 'system')`);
  for (const [name, kind] of r.getRows()) {
    const lower = String(name).toLowerCase();
    if (datasetTables.has(lower)) {
      throw new Refused(`statement ${n} of the cell makes a ${kind} named ${name}, like the dataset's table: the recount counts people only in the dataset's own tables, so it refuses a ${kind} that could stand in for one; give it another name`);
    }
    if (kind === 'macro' && builtins.has(lower)) {
      throw new Refused(`statement ${n} of the cell makes a macro named ${name}, like a built-in function: the recount relies on what built-in functions mean; give it another name`);
    }
    if (kind === 'macro') {
      // a macro hides what a column computes (a FILTER, a subquery, a sum called something else)
      throw new Refused(`statement ${n} of the cell makes a macro, ${name}: the recount reads what each column computes from the query itself, which a macro hides; write the expression in the query`);
    }
  }
}
