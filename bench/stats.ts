/** The p-th percentile of `xs` (nearest rank). */
export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!
}

/** Rounded to the millisecond, when the figures are seconds. */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000
