// DuckDB session shared by vre-sql, vre-kernel and vre-query.
//
// Layout of a session: an in-memory database `memory` (scratch: CREATE TABLE / TEMP TABLE land here)
// with the project's dataset ATTACHed READ_ONLY as `dataset`. The search path lists memory.main
// first, then every schema of the dataset, so `select * from patients` finds dataset.main.patients
// and a scratch table of the same name shadows it. Nothing can write to the dataset file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, DuckDBTypeId, version as duckdbVersion } from '@duckdb/node-api';

export const DEFAULT_DATASET = '/data/dataset.duckdb';

export function datasetPath() {
  return process.env.VRE_DATASET || DEFAULT_DATASET;
}

export function rowCap(fallback = 1000) {
  const n = Number.parseInt(process.env.VRE_ROW_CAP ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;
const sqlIdent = (s) => `"${String(s).replaceAll('"', '""')}"`;

/**
 * Open a DuckDB session on the dataset.
 * @returns {Promise<{instance, conn, dataset: string|null, warning: string|null, version: string, reconnect: () => Promise<void>, close: () => void}>}
 */
export async function openSession({ dataset = datasetPath() } = {}) {
  const tmp = path.join(process.env.TMPDIR || os.tmpdir(), `vre-duckdb-${process.pid}`);
  const options = {
    // No network in a sandbox: fail fast instead of trying to download extensions.
    autoinstall_known_extensions: 'false',
    temp_directory: tmp,
  };
  if (process.env.VRE_DUCKDB_MEMORY_LIMIT) options.memory_limit = process.env.VRE_DUCKDB_MEMORY_LIMIT;
  if (process.env.VRE_DUCKDB_THREADS) options.threads = process.env.VRE_DUCKDB_THREADS;
  const instance = await DuckDBInstance.create(':memory:', options);
  let warning = null;
  let attached = null;
  if (dataset && fs.existsSync(dataset)) {
    attached = dataset;
  } else {
    warning = `no dataset at ${dataset || '(unset)'}: working on an empty in-memory database`;
  }
  const session = {
    instance,
    conn: null,
    dataset: attached,
    warning,
    version: duckdbVersion(),
    async reconnect() {
      if (session.conn) {
        try { session.conn.closeSync(); } catch { /* already closed */ }
      }
      session.conn = await instance.connect();
      await setupConnection(session.conn, attached);
    },
    close() {
      try { session.conn?.closeSync(); } catch { /* ignore */ }
      try { instance.closeSync(); } catch { /* ignore */ }
    },
  };
  // ATTACH is per database instance; do it once, then each connection only sets its search path.
  const c = await instance.connect();
  if (attached) await c.run(`ATTACH ${sqlString(attached)} AS dataset (READ_ONLY)`);
  c.closeSync();
  await session.reconnect();
  return session;
}

async function setupConnection(conn, attached) {
  if (!attached) return;
  const r = await conn.runAndReadAll(
    `SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'dataset'
       AND schema_name NOT IN ('information_schema', 'pg_catalog') ORDER BY schema_name = 'main' DESC, schema_name`,
  );
  const schemas = r.getRows().map((row) => String(row[0]));
  const searchPath = ['memory.main', ...schemas.map((s) => `dataset.${sqlIdent(s)}`)].join(',');
  await conn.run(`SET search_path = ${sqlString(searchPath)}`);
}

/** Tables visible to the researcher: dataset, scratch and temp, as rows {database, schema, name, type}. */
export async function listTables(conn) {
  const r = await conn.runAndReadAll(`
    SELECT database_name, schema_name, name, kind, sql FROM (
      SELECT database_name, schema_name, table_name AS name, 'table' AS kind, sql FROM duckdb_tables() WHERE NOT internal
      UNION ALL
      SELECT database_name, schema_name, view_name, 'view', sql FROM duckdb_views() WHERE NOT internal)
    ORDER BY database_name = 'dataset' DESC, database_name, schema_name, name`);
  return r.getRows().map(([database, schema, name, kind, sql]) => ({ database, schema, name, kind, sql }));
}

/** Short name a researcher types: bare for dataset.main / memory.main / temp.main, else schema.name. */
export function displayName(t) {
  if (t.schema === 'main') return t.name;
  return `${t.schema}.${t.name}`;
}

// ---------------------------------------------------------------------------------------------------
// Value conversion for display (tables in the notebook and the terminal): JSON-safe, exact.
//   integers      -> number when |v| <= 2^53-1, else a decimal string
//   FLOAT/DOUBLE  -> number; NaN/Infinity -> "NaN" / "Infinity" / "-Infinity"
//   DECIMAL       -> exact decimal string ("12.50")
//   DATE/TIME/TIMESTAMP/INTERVAL/UUID/BLOB/BIT -> DuckDB's text form
//   LIST/ARRAY    -> array; STRUCT -> object; MAP -> [{key, value}]; UNION -> {tag, value}
// ---------------------------------------------------------------------------------------------------
const INT_IDS = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT,
]);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function toDisplay(value, type) {
  if (value === null || value === undefined) return null;
  const id = type.typeId;
  if (INT_IDS.has(id)) {
    if (typeof value === 'bigint') return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
    return value;
  }
  switch (id) {
    case DuckDBTypeId.BOOLEAN:
      return Boolean(value);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return Number.isFinite(value) ? value : String(value);
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.ENUM:
      return String(value);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return value.items.map((v) => toDisplay(v, type.valueType));
    case DuckDBTypeId.STRUCT: {
      const out = {};
      for (const key of Object.keys(value.entries)) out[key] = toDisplay(value.entries[key], type.typeForEntry(key));
      return out;
    }
    case DuckDBTypeId.MAP:
      return value.entries.map((e) => ({ key: toDisplay(e.key, type.keyType), value: toDisplay(e.value, type.valueType) }));
    case DuckDBTypeId.UNION:
      return { tag: value.tag, value: toDisplay(value.value, type.memberTypeForTag(value.tag)) };
    case DuckDBTypeId.SQLNULL:
      return null;
    default:
      return String(value);
  }
}

/** Plain text of a display value, for terminal tables. */
export function displayText(v) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export const RIGHT_ALIGNED = new Set([...INT_IDS, DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);

/** Statement types whose result is a single "Count" column (rows affected), not data. */
const COUNT_STATEMENTS = new Set([2 /* INSERT */, 3 /* UPDATE */, 5 /* DELETE */, 7 /* CREATE */]);

/**
 * Read at most `cap` rows of a result, converting them for display, and count the rest without
 * converting (or keeping) them.
 * @returns {Promise<{columns: {name: string, type: string}[], types: any[], rows: any[][], rowCount: number, truncated: boolean, statementType: number, isData: boolean, affected: number|null}>}
 */
export async function readCapped(result, cap, statementType = result.statementType) {
  const n = result.columnCount;
  const names = result.deduplicatedColumnNames();
  const types = Array.from({ length: n }, (_, i) => result.columnType(i));
  const columns = names.map((name, i) => ({ name, type: types[i].toString() }));
  const rows = [];
  let rowCount = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const take = Math.max(0, Math.min(chunk.rowCount, cap - rows.length));
    if (take > 0) {
      const cols = Array.from({ length: n }, (_, c) => chunk.getColumnVector(c));
      for (let r = 0; r < take; r++) {
        const row = new Array(n);
        for (let c = 0; c < n; c++) row[c] = toDisplay(cols[c].getItem(r), types[c]);
        rows.push(row);
      }
    }
    rowCount += chunk.rowCount;
  }
  const countOnly = n === 1 && names[0] === 'Count' && COUNT_STATEMENTS.has(statementType);
  return {
    columns,
    types,
    rows,
    rowCount,
    truncated: rowCount > rows.length,
    statementType,
    isData: n > 0 && !countOnly,
    affected: countOnly && rows.length ? Number(rows[0][0]) : null,
  };
}

/**
 * Run every statement of `sql` in order on `conn`; `onResult(res, index, count)` gets each one's
 * readCapped() result. A failing statement throws (later ones are not run).
 */
export async function runStatements(conn, sql, cap, onResult) {
  const extracted = await conn.extractStatements(sql);
  const count = extracted.count;
  for (let i = 0; i < count; i++) {
    const prepared = await extracted.prepare(i);
    try {
      const statementType = prepared.statementType;
      const result = await prepared.stream();
      await onResult(await readCapped(result, cap, statementType), i, count);
    } finally {
      prepared.destroySync();
    }
  }
}

export { DuckDBTypeId };
