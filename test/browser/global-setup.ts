import { buildWeb } from './web-build.js'

/** Vitest globalSetup for the browser tests: the demo server serves web/dist, so build it once first. */
export default async function setup(): Promise<void> {
  await buildWeb()
}
