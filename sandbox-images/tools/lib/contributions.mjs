// Each individual's contribution to a grouped query's SUM, AVG, MIN and MAX columns: per group, the
// per-person totals of the aggregated value, summarized as the largest two, their sum over everyone,
// the smallest and how many people contributed. The dominance and p-percent rules decide on them.
import { toDisplay } from './duckdb.mjs';
import { csvText } from './csv.mjs';
import { attributable, columnRefs, topAggregate } from './sqltree.mjs';

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;
const fn = (name, children, alias = '', extra = {}) => ({
  class: 'FUNCTION',
  type: 'FUNCTION',
  alias,
  query_location: 0,
  function_name: name,
  schema: 'main',
  catalog: 'system',
  children,
  filter: null,
  order_bys: { type: 'ORDER_MODIFIER', orders: [] },
  distinct: false,
  is_operator: false,
  export_state: false,
  ...extra,
});
const colref = (names, alias = '') => ({ class: 'COLUMN_REF', type: 'COLUMN_REF', alias, query_location: 0, column_names: names });
const constant = (v) => ({
  class: 'CONSTANT',
  type: 'VALUE_CONSTANT',
  alias: '',
  query_location: 0,
  value: { type: { id: 'INTEGER', type_info: null }, is_null: false, value: v },
});

/**
 * Which magnitude columns can be attributed to people, and to whose person column: the value an
 * aggregate sums up must come from one table of the dataset that has the person column. Returns
 * {plans: [{column, arg, filter, person}], skipped: [column]}.
 */
export function planContributions(node, roles, aggregates, refs) {
  const plans = [];
  const skipped = [];
  node.select_list.forEach((e, column) => {
    if (!['sum', 'mean', 'min', 'max'].includes(roles[column])) return;
    const agg = topAggregate(e, aggregates);
    // first(x), list(x), mode(x) are read as maxima, but no sum of each person's values gives them
    const names = agg && attributable(String(agg.function_name).toLowerCase()) && !agg.distinct && agg.children.length === 1
      ? columnRefs(agg.children[0]) : null;
    const sources = new Set();
    for (const n of names ?? []) {
      const col = n.at(-1).toLowerCase();
      const by = n.length >= 2 ? refs.filter((r) => r.label === n.at(-2).toLowerCase()) : refs.filter((r) => r.columns.has(col));
      if (by.length === 1 && by[0].columns.has(col)) sources.add(by[0]);
      else sources.add(null);
    }
    const [source] = sources;
    if (sources.size !== 1 || source === null || !source.dataset || !source.hasPerson) {
      skipped.push(column);
      return;
    }
    plans.push({ column, arg: agg.children[0], filter: agg.filter ?? null, person: source.person });
  });
  return { plans, skipped };
}

/**
 * Runs the contribution queries (one per person column) and returns, for each group's key text,
 * the contributions by column: Map<keyText, Map<column, {top, total, min, individuals}>>.
 */
export async function contributionsByGroup(conn, tree, keyIndexes, plans, maxRows) {
  const node = tree.statements[0].node;
  const byGroup = new Map();
  const persons = new Map();
  for (const p of plans) persons.set(JSON.stringify(p.person), [...(persons.get(JSON.stringify(p.person)) ?? []), p]);
  for (const [person, group] of persons) {
    const inner = structuredClone(tree);
    const n = inner.statements[0].node;
    const keys = keyIndexes.map((i, k) => ({ ...node.select_list[i], alias: `__vre_k${k}` }));
    n.select_list = [
      ...keys,
      colref(JSON.parse(person), '__vre_p'),
      ...group.map((p, j) => fn('sum', [p.arg], `__vre_v${j}`, { filter: p.filter })),
    ];
    n.group_expressions = Array.from({ length: keys.length + 1 }, (_, i) => constant(i + 1));
    n.group_sets = [Array.from({ length: keys.length + 1 }, (_, i) => i)];
    n.aggregate_handling = 'STANDARD_HANDLING';
    n.having = null;
    n.qualify = null;
    n.modifiers = [];
    const r = await conn.runAndReadAll(`SELECT json_deserialize_sql(${sqlString(JSON.stringify(inner))})`);
    const innerSql = String(r.getRows()[0][0]);
    const k = keys.map((_, i) => `__vre_k${i}`);
    const stats = group.flatMap((_, j) => [
      `CAST("system".main.max(__vre_v${j}, 2) AS DOUBLE[])`,
      `CAST("system".main.sum(__vre_v${j}) AS DOUBLE)`,
      `CAST("system".main.min(__vre_v${j}) AS DOUBLE)`,
      `"system".main.count(__vre_v${j})`,
    ]);
    const sql = `SELECT ${[...k, ...stats].join(', ')} FROM (${innerSql}) ${k.length ? `GROUP BY ${k.join(', ')}` : ''}`;
    const result = await conn.stream(sql);
    const types = Array.from({ length: result.columnCount }, (_, i) => result.columnType(i));
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const cols = Array.from({ length: result.columnCount }, (_, c) => chunk.getColumnVector(c));
      for (let row = 0; row < chunk.rowCount; row++) {
        if (++rows > maxRows) throw new Error(`more than ${maxRows} groups`);
        const key = JSON.stringify(k.map((_, c) => csvText(toDisplay(cols[c].getItem(row), types[c]))));
        const into = byGroup.get(key) ?? new Map();
        group.forEach((p, j) => {
          const at = k.length + 4 * j;
          const total = cols[at + 1].getItem(row);
          if (total === null) return;
          into.set(p.column, {
            top: cols[at].getItem(row).items,
            total,
            min: cols[at + 2].getItem(row),
            individuals: Number(cols[at + 3].getItem(row)),
          });
        });
        byGroup.set(key, into);
      }
    }
  }
  return byGroup;
}
