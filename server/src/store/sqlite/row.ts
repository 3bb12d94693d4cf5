/** A row as better-sqlite3 returns it, and the readers of its columns. */
export type Row = Record<string, unknown>

export const str = (v: unknown): string => v as string
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string))
export const json = <T>(v: unknown): T => JSON.parse(str(v)) as T
