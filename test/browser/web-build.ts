import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const WEB = fileURLToPath(new URL('../../web/', import.meta.url))
const DIST_INDEX = join(WEB, 'dist', 'index.html')

/** Builds web/ into web/dist with the same config as `npm run build:web`. */
export async function buildWeb(): Promise<void> {
  // Vitest sets NODE_ENV=test, and Vite would then bundle React's development build (StrictMode
  // double effects, warnings): the tests must drive what the gateway ships.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({ configFile: join(WEB, 'vite.config.ts'), mode: 'production', logLevel: 'warn' })
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
  if (!existsSync(DIST_INDEX)) throw new Error(`vite build finished but ${DIST_INDEX} is missing`)
}

/** Builds only when web/dist is missing or older than a source file, for runs without the global setup. */
export async function ensureWebBuilt(): Promise<void> {
  if (!existsSync(DIST_INDEX) || statSync(DIST_INDEX).mtimeMs < newestSourceMtime()) await buildWeb()
}

function newestSourceMtime(): number {
  const sources = [join(WEB, 'index.html'), join(WEB, 'vite.config.ts'), ...filesUnder(join(WEB, 'src'))]
  return Math.max(...sources.map((file) => statSync(file).mtimeMs))
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]
  )
}
