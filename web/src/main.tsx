import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createApiClient } from './api/client'
import { App } from './app/App'
import { LanguageProvider } from './i18n/language'
import './styles.css'

const container = document.getElementById('root')
if (container === null) throw new Error('index.html has no #root element')

createRoot(container).render(
  <StrictMode>
    <LanguageProvider>
      <App api={createApiClient()} />
    </LanguageProvider>
  </StrictMode>
)
