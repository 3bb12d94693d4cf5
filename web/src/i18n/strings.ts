import type { Localized } from './language'

const en = {
  switchLabel: 'Language',
  names: { en: 'English', ja: '日本語' }
}

export const languageStrings: Localized<typeof en> = {
  en,
  ja: {
    switchLabel: '表示言語',
    names: { en: 'English', ja: '日本語' }
  }
}
