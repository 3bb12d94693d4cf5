#!/usr/bin/env node
// The `vre` command: runs the built gateway CLI (`npm run build` makes server/dist).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../dist/cli/index.js', import.meta.url)
if (!existsSync(fileURLToPath(entry))) {
  console.error('vre: the gateway is not built yet; run `npm run build` in the project folder first.')
  process.exit(2)
}
await import(entry.href)
