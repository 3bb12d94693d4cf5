import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'

export type Language = 'en' | 'ja'
export const LANGUAGES: readonly Language[] = ['en', 'ja']

/** A view's strings: one table per language, `ja` checked against the shape of `en`. */
export type Localized<T> = Record<Language, T>

const STORAGE_KEY = 'vre.language'

function isLanguage(value: unknown): value is Language {
  return LANGUAGES.includes(value as Language)
}

function initialLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY)
    if (isLanguage(stored)) return stored
  } catch {
    // Storage can be disabled by policy; fall through to the browser's preference.
  }
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en'
}

interface LanguageContextValue {
  language: Language
  setLanguage(language: Language): void
}

const LanguageContext = createContext<LanguageContextValue | null>(null)

export function LanguageProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage)

  useEffect(() => {
    document.documentElement.lang = language
  }, [language])

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next)
    try {
      window.localStorage.setItem(STORAGE_KEY, next)
    } catch {
      // Not remembered across reloads; the switch still works for this page.
    }
  }, [])

  const value = useMemo(() => ({ language, setLanguage }), [language, setLanguage])
  return <LanguageContext.Provider value={value}>{children}</LanguageContext.Provider>
}

export function useLanguage(): LanguageContextValue {
  const value = useContext(LanguageContext)
  if (value === null) throw new Error('useLanguage must be used inside <LanguageProvider>')
  return value
}

export function useStrings<T>(table: Localized<T>): T {
  return table[useLanguage().language]
}
