import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeDriver } from '../../../test/support/fake-driver.js'
import { build } from '../app.js'
import { tokenEnv } from '../../../test/support/hsm.js'
import { loadConfig } from '../config/config.js'
import { api, type Endpoint, outsideContract } from './api.js'

interface Registered {
  params?: unknown
  querystring?: unknown
  body?: unknown
  response?: Record<string, unknown>
}

/** Every route of the real gateway, by "METHOD /path", with the schema objects it was registered with. */
const routes = new Map<string, Registered>()
let dataDir: string

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vre-contract-'))
  const config = loadConfig({ dataDir, webRoot: null, logLevel: 'info' }, tokenEnv())
  const onRoute = (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue
      routes.set(`${method} ${route.url}`, (route.schema ?? {}) as Registered)
    }
  }
  const app = await build({
    config,
    logger: false,
    sessions: { driver: new FakeDriver(), reapIntervalMs: 3_600_000 },
    onRoute
  })
  await app.close()
})

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const entries = Object.entries(api) as [string, Endpoint][]

describe('the wire contract', () => {
  it('holds the gateway routes it was built from', () => {
    // a sanity check on the hook itself: an empty map would make every comparison below vacuous
    expect(routes.size).toBeGreaterThan(60)
  })

  it.each(entries)('%s is registered with the very schema objects of the table', (key, endpoint) => {
    const route = routes.get(key)
    expect(route, `${key} is in the contract but no route registers it`).toBeDefined()
    // toBe, not toEqual: the same object, so a schema edited on one side only cannot go unnoticed
    expect(route!.params, 'params').toBe(endpoint.params)
    expect(route!.querystring, 'query string').toBe(endpoint.query)
    expect(route!.body, 'body').toBe(endpoint.body)
    const registered = route!.response ?? {}
    expect(Object.keys(registered).sort(), 'answered statuses').toEqual(Object.keys(endpoint.response).sort())
    for (const [status, schema] of Object.entries(endpoint.response)) {
      expect(registered[status], `answer ${status}`).toBe(schema)
    }
  })

  it('leaves out no route of the API except those it names, and names none that is gone', () => {
    const apiRoutes = [...routes.keys()].filter((key) => key.split(' ')[1]!.startsWith('/api/'))
    const missing = apiRoutes.filter((key) => !(key in api) && !(key in outsideContract))
    expect(missing, 'routes the contract lacks: add them to server/src/contract/api.ts').toEqual([])
    expect(Object.keys(outsideContract).filter((key) => !routes.has(key))).toEqual([])
  })
})
