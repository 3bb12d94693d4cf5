import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// Resolved from this file, not the working directory, so `vite build --config web/vite.config.ts`
// and the browser tests' programmatic build() agree on where web/dist is.
const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The gateway's CSP has no data: for fonts or scripts; emit every asset as a file.
    assetsInlineLimit: 0
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      // No changeOrigin: the gateway refuses a refresh whose Origin does not match its Host.
      '/api': { target: 'http://127.0.0.1:8080' }
    }
  }
})
