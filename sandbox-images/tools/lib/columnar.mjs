// Full query results in a column-major JSON form for the Python module `vre` (vre.sql() -> pandas).
//
// {"columns": [{"name", "type", "kind", "unit"?, "categories"?}], "data": [[col0 values], ...], "rowCount": N}
//
// The text is JSON as Python's json module reads it (NaN / Infinity / -Infinity literals allowed;
// integers of any size written as digits). Per kind:
//   bool       true / false
//   int        integer literal (exact, also for BIGINT/HUGEINT)
//   float      number, NaN, Infinity, -Infinity
//   decimal    number literal with the exact digits (pandas gets float64)
//   date       days since 1970-01-01, or "infinity" / "-infinity"
//   timestamp  integer count of `unit` ("s" | "ms" | "us" | "ns") since the epoch (UTC), or "infinity" / "-infinity"
//   timestamptz  like timestamp, unit "us", the instant in UTC
//   time       microseconds since midnight (unit "us") or nanoseconds (unit "ns")
//   interval   [months, days, microseconds]
//   blob       base64 string
//   enum       string, with "categories" listing the enum's values in order
//   string     string (VARCHAR, UUID, BIT, TIME WITH TIME ZONE, ...)
//   nested     LIST / ARRAY / STRUCT / MAP / UNION as JSON (display conversion)
//   null       always null (SQL NULL type)
// Every kind uses null for SQL NULL.
import { DuckDBTypeId, toDisplay } from './duckdb.mjs';

const INT_IDS = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.BIGNUM,
]);
const NESTED_IDS = new Set([DuckDBTypeId.LIST, DuckDBTypeId.ARRAY, DuckDBTypeId.STRUCT, DuckDBTypeId.MAP, DuckDBTypeId.UNION, DuckDBTypeId.VARIANT]);

function describe(type) {
  const id = type.typeId;
  if (id === DuckDBTypeId.BOOLEAN) return { kind: 'bool' };
  if (INT_IDS.has(id)) return { kind: 'int' };
  if (id === DuckDBTypeId.FLOAT || id === DuckDBTypeId.DOUBLE) return { kind: 'float' };
  if (id === DuckDBTypeId.DECIMAL) return { kind: 'decimal' };
  if (id === DuckDBTypeId.DATE) return { kind: 'date' };
  if (id === DuckDBTypeId.TIMESTAMP) return { kind: 'timestamp', unit: 'us' };
  if (id === DuckDBTypeId.TIMESTAMP_S) return { kind: 'timestamp', unit: 's' };
  if (id === DuckDBTypeId.TIMESTAMP_MS) return { kind: 'timestamp', unit: 'ms' };
  if (id === DuckDBTypeId.TIMESTAMP_NS) return { kind: 'timestamp', unit: 'ns' };
  if (id === DuckDBTypeId.TIMESTAMP_TZ) return { kind: 'timestamptz', unit: 'us' };
  if (id === DuckDBTypeId.TIME) return { kind: 'time', unit: 'us' };
  if (id === DuckDBTypeId.TIME_NS) return { kind: 'time', unit: 'ns' };
  if (id === DuckDBTypeId.INTERVAL) return { kind: 'interval' };
  if (id === DuckDBTypeId.BLOB) return { kind: 'blob' };
  if (id === DuckDBTypeId.ENUM) return { kind: 'enum', categories: [...type.values] };
  if (id === DuckDBTypeId.SQLNULL) return { kind: 'null' };
  if (NESTED_IDS.has(id)) return { kind: 'nested' };
  return { kind: 'string' };
}

const str = (v) => JSON.stringify(String(v));

function encoder(kind, type) {
  switch (kind) {
    case 'bool':
      return (v) => (v ? 'true' : 'false');
    case 'int':
      return (v) => String(v);
    case 'float':
      return (v) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));
    case 'decimal':
      return (v) => v.toString();
    case 'date':
      return (v) => (v.isFinite ? String(v.days) : v.days > 0 ? '"infinity"' : '"-infinity"');
    case 'timestamp':
    case 'timestamptz':
      return (v) => {
        if (!v.isFinite) return str(v.toString().startsWith('-') ? '-infinity' : 'infinity');
        return String(v.micros ?? v.nanos ?? v.millis ?? v.seconds);
      };
    case 'time':
      return (v) => String(v.micros ?? v.nanos);
    case 'interval':
      return (v) => `[${v.months},${v.days},${v.micros}]`;
    case 'blob':
      return (v) => str(Buffer.from(v.bytes).toString('base64'));
    case 'null':
      return () => 'null';
    case 'nested':
      return (v) => JSON.stringify(toDisplay(v, type));
    default:
      return (v) => str(v);
  }
}

/** Read a whole DuckDBResult into the columnar JSON text described above. */
export async function resultToColumnarJson(result) {
  const n = result.columnCount;
  const names = result.deduplicatedColumnNames();
  const types = Array.from({ length: n }, (_, i) => result.columnType(i));
  const metas = types.map((t, i) => ({ name: names[i], type: t.toString(), ...describe(t) }));
  const encoders = metas.map((m, i) => encoder(m.kind, types[i]));
  const parts = Array.from({ length: n }, () => []);
  let rowCount = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (let c = 0; c < n; c++) {
      const vec = chunk.getColumnVector(c);
      const enc = encoders[c];
      const out = parts[c];
      for (let r = 0; r < chunk.rowCount; r++) {
        const v = vec.getItem(r);
        out.push(v === null || v === undefined ? 'null' : enc(v));
      }
    }
    rowCount += chunk.rowCount;
  }
  return `{"columns":${JSON.stringify(metas)},"data":[${parts.map((p) => `[${p.join(',')}]`).join(',')}],"rowCount":${rowCount}}`;
}

async function drain(result) {
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
  }
}

/** Run all statements of `sql`; return the columnar JSON text of the last one. */
export async function columnarQuery(conn, sql) {
  const extracted = await conn.extractStatements(sql);
  let text = '{"columns":[],"data":[],"rowCount":0}';
  for (let i = 0; i < extracted.count; i++) {
    const prepared = await extracted.prepare(i);
    try {
      const result = await prepared.stream();
      if (i === extracted.count - 1) text = await resultToColumnarJson(result);
      else await drain(result);
    } finally {
      prepared.destroySync();
    }
  }
  return text;
}

/** Error payload shared by vre-query and the kernel's query socket. */
export function errorJson(e) {
  const message = String(e?.message ?? e);
  const m = /(?:^|: )([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)? Error): /.exec(message);
  return JSON.stringify({ error: { ename: m ? m[1].replace(/ /g, '') : 'Error', message: message.replace(/^Failed to extract statements: /, '') } });
}
