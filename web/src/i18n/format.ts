import type { Language } from './language'

const LOCALES: Record<Language, string> = { en: 'en-GB', ja: 'ja-JP' }

/** "31 March 2026" / "2026年3月31日" for a 'YYYY-MM-DD' date; the input unchanged if it is not one. */
export function formatDate(isoDate: string, language: Language): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) return isoDate
  const date = new Date(`${isoDate}T00:00:00Z`)
  if (Number.isNaN(date.getTime())) return isoDate
  // UTC on both sides: a calendar date must not shift a day with the viewer's time zone.
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'long', timeZone: 'UTC' }).format(date)
}

/** "31 Mar 2026, 14:05" / "2026/03/31 14:05" in the viewer's time zone; the input unchanged if it is not a date. */
export function formatDateTime(isoDateTime: string, language: Language): string {
  const date = new Date(isoDateTime)
  if (Number.isNaN(date.getTime())) return isoDateTime
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}

/** "1,234" / "1,234": a count with the language's grouping. */
export function formatCount(n: number, language: Language): string {
  return new Intl.NumberFormat(LOCALES[language]).format(n)
}

const SIZE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB']

/** "512 B", "1.5 KiB", "23 MiB": one decimal below 10, none above. */
export function formatBytes(bytes: number, language: Language): string {
  if (bytes < 1024) return `${formatCount(bytes, language)} B`
  let value = bytes
  let unit = -1
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = value < 10 ? 1 : 0
  const number = new Intl.NumberFormat(LOCALES[language], {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits
  }).format(value)
  return `${number} ${SIZE_UNITS[unit]}`
}
