/** One condition of a filtered read: its SQL, and the values its `?` placeholders take, in order. */
export type Condition = readonly [sql: string, ...params: unknown[]]

/** `sql` with `value` at each of its placeholders, or no condition when the caller left `value` unset. */
export const ifSet = (sql: string, value: unknown): Condition | undefined =>
  value === undefined ? undefined : [sql, ...Array.from(sql.matchAll(/\?/g), () => value)]

/** `column IN (…)` over `values`, or no condition when the caller left them unset. */
export const inList = (column: string, values: readonly unknown[] | undefined): Condition | undefined =>
  values === undefined ? undefined : [`${column} IN (${values.map(() => '?').join(', ')})`, ...values]

/** The WHERE clause of the conditions set (empty when none is, so the read returns every row), with its parameters. */
export function whereOf(conditions: readonly (Condition | undefined)[]): { sql: string; params: unknown[] } {
  const set = conditions.filter((c) => c !== undefined)
  return {
    sql: set.length ? `WHERE ${set.map(([sql]) => sql).join(' AND ')}` : '',
    params: set.flatMap(([, ...params]) => params)
  }
}
