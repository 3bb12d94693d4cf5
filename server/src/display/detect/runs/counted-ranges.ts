/** Ranges of counted bytes kept while a run may still reach back over them. */
const MAX_RANGES = 4096

/**
 * The stream's byte ranges judged encoded, as a union, so a byte counts once whichever runs it
 * belongs to and in whatever order the runs report it. Ranges no run can reach any more leave.
 */
export class CountedRanges {
  private readonly starts: number[] = []
  private readonly ends: number[] = []
  private fresh = 0

  add(from: number, to: number): void {
    if (to <= from) return
    const { starts, ends } = this
    const n = starts.length
    if (n === 0 || from > ends[n - 1]!) {
      starts.push(from)
      ends.push(to)
      this.fresh += to - from
      if (n + 1 > MAX_RANGES) {
        // only a flood of tiny runs beside one very long open run gets here: forgetting the
        // oldest can count a byte twice, never miss one
        starts.shift()
        ends.shift()
      }
      return
    }
    if (from >= starts[n - 1]!) {
      if (to > ends[n - 1]!) {
        this.fresh += to - ends[n - 1]!
        ends[n - 1] = to
      }
      return
    }
    let first = n - 1
    while (first > 0 && ends[first - 1]! >= from) first--
    if (ends[first]! < from) first++
    let last = first - 1
    while (last + 1 < n && starts[last + 1]! <= to) last++
    let covered = 0
    for (let k = first; k <= last; k++) covered += Math.max(0, Math.min(to, ends[k]!) - Math.max(from, starts[k]!))
    this.fresh += to - from - covered
    const mergedStart = first <= last ? Math.min(from, starts[first]!) : from
    const mergedEnd = first <= last ? Math.max(to, ends[last]!) : to
    starts.splice(first, last - first + 1, mergedStart)
    ends.splice(first, last - first + 1, mergedEnd)
  }

  /** No run will report a range that starts before `horizon`. */
  forgetBefore(horizon: number): void {
    let k = 0
    while (k < this.ends.length && this.ends[k]! <= horizon) k++
    if (k > 0) {
      this.starts.splice(0, k)
      this.ends.splice(0, k)
    }
  }

  take(): number {
    const n = this.fresh
    this.fresh = 0
    return n
  }
}
