import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const webSrc = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const serverTree = resolve(webSrc, '../../server') + sep

interface ServerImport {
  file: string
  statement: string
  typeOnly: boolean
}

// Every static import or re-export with a `from`, a bare `import '...'`, and a dynamic import().
const STATEMENT =
  /\b(?:import|export)\s+(type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g

/** The imports of `source` (a file at `file`) that reach into the server's tree, and whether each is type-only. */
function serverImports(file: string, source: string): ServerImport[] {
  const found: ServerImport[] = []
  for (const match of source.matchAll(STATEMENT)) {
    const specifier = match[2] ?? match[3] ?? match[4]!
    if (!specifier.startsWith('.')) continue
    if (!resolve(dirname(file), specifier).startsWith(serverTree)) continue
    // `import { type A }` is not enough: the module is still loaded, and ships to the browser
    found.push({ file: relative(webSrc, file), statement: match[0], typeOnly: match[1] !== undefined })
  }
  return found
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    // tests run under node and never reach the bundle (this one quotes value imports on purpose)
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : []
  })
}

describe('the web app imports from the server by `import type` only', () => {
  const all = sourceFiles(webSrc).flatMap((file) => serverImports(file, readFileSync(file, 'utf8')))

  it('finds the wire types it derives from the server schemas', () => {
    // without these, a scanner that sees nothing would pass the next test vacuously
    expect(all.filter((i) => i.file === join('api', 'types.ts')).length).toBeGreaterThan(5)
  })

  it('imports no server value into the browser bundle', () => {
    expect(all.filter((i) => !i.typeOnly).map((i) => `${i.file}: ${i.statement}`)).toEqual([])
  })

  it('tells a type-only import from one that would ship server code', () => {
    const file = join(webSrc, 'api', 'example.ts')
    const seen = serverImports(
      file,
      [
        "import type { A } from '../../../server/src/schemas/auth'",
        "import { B } from '../../../server/src/schemas/auth'",
        "import { type C } from '../../../server/src/schemas/auth'",
        "export type { D } from '../../../server/src/contract/api'",
        "export { E } from '../../../server/src/contract/api'",
        "import '../../../server/src/schemas/common'",
        "const f = await import('../../../server/src/app')",
        "import { G } from './client'"
      ].join('\n')
    )
    expect(seen.map((i) => i.typeOnly)).toEqual([true, false, false, true, false, false, false])
  })
})
