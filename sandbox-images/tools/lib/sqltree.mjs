// Reading a grouped query's syntax tree (DuckDB's json_serialize_sql): which tables its FROM clause
// reads, which select-list columns are group keys, and what each column computes.

const COUNTS = new Set(['count', 'count_star']);
const SUMS = new Set(['sum', 'fsum', 'sumkahan', 'kahan_sum', 'sum_no_overflow']);
const MEANS = new Set(['avg', 'mean', 'favg']);
const ROLE_OF = (name) =>
  COUNTS.has(name) ? 'count' : SUMS.has(name) ? 'sum' : MEANS.has(name) ? 'mean' : name === 'min' ? 'min' : name === 'max' ? 'max' : null;
/** Aggregates that summarize a whole group's spread or centre: a statistic, never one person's value. */
const SPREAD = new Set([
  'median', 'quantile_cont', 'mad', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop',
  'kurtosis', 'kurtosis_pop', 'skewness', 'corr', 'covar_pop', 'covar_samp', 'entropy', 'sem',
]);
/**
 * The role an aggregate's own name gives its column. Any aggregate not known to summarize the
 * whole group (first, any_value, arg_max, mode, list, string_agg, ...) may print one person's own
 * value, so it is read as a maximum is: a cell no share of a total can clear.
 */
export function aggregateRole(name) {
  return ROLE_OF(name) ?? (SPREAD.has(name) || name.startsWith('regr_') ? 'statistic' : 'max');
}

/** Is the aggregate one that adds up, averages or takes the least or largest of each row's value? */
export const attributable = (name) => ['sum', 'mean', 'min', 'max'].includes(ROLE_OF(name));
/** Functions that keep the meaning of the aggregate they wrap (a rounded mean is a mean). */
const TRANSPARENT = new Set(['round', 'floor', 'ceil', 'ceiling', 'trunc']);

/** A copy of an expression without its output name and source positions, for comparing two. */
function shape(e) {
  return JSON.stringify(e, (k, v) => (k === 'alias' || k === 'query_location' ? undefined : v));
}

/** Every table, join and other reference of a FROM clause, left to right. */
export function fromRefs(ref, out = []) {
  if (!ref) return out;
  if (ref.type === 'JOIN') {
    fromRefs(ref.left, out);
    fromRefs(ref.right, out);
  } else out.push(ref);
  return out;
}

/** Lower-case names of the query's WITH clauses. */
export function cteNames(node) {
  return new Set((node.cte_map?.map ?? []).map((e) => String(e.key).toLowerCase()));
}

/** Is any function in `e` (not inside a subquery) one of `aggregates`? */
export function hasAggregate(e, aggregates) {
  if (e === null || typeof e !== 'object') return false;
  if (Array.isArray(e)) return e.some((x) => hasAggregate(x, aggregates));
  if (e.class === 'SUBQUERY' || e.class === 'WINDOW') return false;
  if (e.class === 'FUNCTION' && aggregates.has(String(e.function_name).toLowerCase())) return true;
  return Object.values(e).some((x) => hasAggregate(x, aggregates));
}

/** Does `e` hold a subquery anywhere? */
export function hasSubquery(e) {
  if (e === null || typeof e !== 'object') return false;
  if (Array.isArray(e)) return e.some(hasSubquery);
  return e.class === 'SUBQUERY' || Object.values(e).some(hasSubquery);
}

/** The aggregate calls in `e`, inside window functions too, not inside subqueries. */
export function aggregateCalls(e, aggregates, out = []) {
  if (e === null || typeof e !== 'object') return out;
  if (Array.isArray(e)) {
    for (const x of e) aggregateCalls(x, aggregates, out);
    return out;
  }
  if (e.class === 'SUBQUERY') return out;
  if (e.class === 'FUNCTION' && aggregates.has(String(e.function_name).toLowerCase())) {
    out.push(e);
    return out;
  }
  for (const x of Object.values(e)) aggregateCalls(x, aggregates, out);
  return out;
}

/** Column references in `e`, outside subqueries; null when `e` holds a subquery (its sources are unknown). */
export function columnRefs(e, out = []) {
  if (e === null || typeof e !== 'object') return out;
  if (Array.isArray(e)) {
    for (const x of e) if (columnRefs(x, out) === null) return null;
    return out;
  }
  if (e.class === 'SUBQUERY') return null;
  if (e.class === 'COLUMN_REF') {
    out.push(e.column_names);
    return out;
  }
  for (const x of Object.values(e)) if (columnRefs(x, out) === null) return null;
  return out;
}

/**
 * The select-list items that are group keys, by index; `complete` when every GROUP BY expression
 * is one of them (then the keys tell the rows apart). GROUP BY ALL: every item without an aggregate.
 */
export function groupKeys(node, aggregates) {
  const items = node.select_list;
  if (node.aggregate_handling === 'FORCE_AGGREGATES') {
    const keys = items.flatMap((e, i) => (!hasAggregate(e, aggregates) && e.class !== 'WINDOW' && columnRefs(e)?.length ? [i] : []));
    return { keys: new Set(keys), complete: true };
  }
  const keys = new Set();
  let complete = true;
  for (const g of node.group_expressions ?? []) {
    let at = -1;
    if (g.class === 'CONSTANT' && Number.isInteger(g.value?.value)) at = g.value.value - 1;
    else {
      at = items.findIndex((e) => shape(e) === shape(g));
      // GROUP BY an alias of a bare column with the same name
      if (at < 0 && g.class === 'COLUMN_REF' && g.column_names.length === 1) {
        const name = g.column_names[0].toLowerCase();
        at = items.findIndex((e) => e.class === 'COLUMN_REF' && e.alias.toLowerCase() === name && e.column_names.at(-1).toLowerCase() === name);
      }
    }
    if (at >= 0 && at < items.length) keys.add(at);
    else complete = false;
  }
  return { keys, complete };
}

/** The aggregate an item computes, seen through casts and rounding; null if it is not one aggregate. */
export function topAggregate(e, aggregates) {
  if (e.class === 'CAST') return topAggregate(e.child, aggregates);
  if (e.class !== 'FUNCTION') return null;
  const name = String(e.function_name).toLowerCase();
  if (aggregates.has(name)) return e;
  if (TRANSPARENT.has(name) && e.children.length >= 1 && e.children.slice(1).every((c) => c.class === 'CONSTANT')) {
    return topAggregate(e.children[0], aggregates);
  }
  return null;
}

/**
 * What each select-list item computes: identifier (a bare column the catalog marks), key,
 * count, sum, mean, min, max (also any aggregate that may print one person's value, see
 * aggregateRole), statistic (median, stddev, ...), or null when the query says nothing sure about
 * it. An expression over aggregates (sum(x) + 0, sum(x) / count(*), a share of a filtered count,
 * a window over them) is declared a sum: a magnitude whose parts nobody attributed, which the
 * dominance rules can then only send to review, never pass as a statistic.
 */
export function declaredRoles(node, aggregates, identifiers) {
  const { keys } = groupKeys(node, aggregates);
  return node.select_list.map((e, i) => {
    if (e.class === 'COLUMN_REF' && identifiers.has(e.column_names.at(-1).toLowerCase())) return 'identifier';
    if (keys.has(i)) return 'key';
    const agg = topAggregate(e, aggregates);
    if (agg !== null) return aggregateRole(String(agg.function_name).toLowerCase());
    if (hasAggregate(e, aggregates) || aggregateCalls(e, aggregates).length > 0 || e.class === 'WINDOW') return 'sum';
    return null;
  });
}
