/** Reads until `done` says so, every 250 ms, failing with the last reading after `ms`. */
export async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await read()
    if (done(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}
