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
