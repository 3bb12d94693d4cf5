import { LANGUAGES, useLanguage, useStrings } from './language'
import { languageStrings } from './strings'

export function LanguageSwitch() {
  const { language, setLanguage } = useLanguage()
  const t = useStrings(languageStrings)
  return (
    <div className="language-switch" role="group" aria-label={t.switchLabel} data-testid="language-switch">
      {LANGUAGES.map((option) => (
        <button
          key={option}
          type="button"
          lang={option}
          className="language-switch__option"
          aria-pressed={option === language}
          onClick={() => setLanguage(option)}
        >
          {t.names[option]}
        </button>
      ))}
    </div>
  )
}
