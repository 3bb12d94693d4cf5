// The client's view of the wire contract (server/src/contract/api.ts): which endpoints exist, what
// each takes and answers, all as types read from the table. Nothing of the server is bundled.
import type { Static, TSchema } from 'typebox'
import type { Api } from '../../../server/src/contract/api'

export type EndpointKey = keyof Api

/** Endpoints answering with bytes (a file, an archive, a log), read as a Blob. */
export type BytesKey = { [K in EndpointKey]: Api[K] extends { answer: 'bytes' } ? K : never }[EndpointKey]
/** Endpoints answering with an event stream, followed as it comes. */
export type StreamKey = { [K in EndpointKey]: Api[K] extends { answer: 'stream' } ? K : never }[EndpointKey]
/** Endpoints answering with JSON (or nothing, for a 204). */
export type JsonKey = Exclude<EndpointKey, BytesKey | StreamKey>

type Success = 200 | 201 | 202 | 204
type Responses<K extends EndpointKey> = Api[K]['response']

/** What the endpoint answers when it succeeds: the union over its 2xx statuses (a 204's is null). */
export type Answer<K extends EndpointKey> = {
  [S in keyof Responses<K>]: S extends Success
    ? Responses<K>[S] extends TSchema
      ? Static<Responses<K>[S]>
      : never
    : never
}[keyof Responses<K>]

/** A part of the request: required when the schema requires anything, absent when there is no schema. */
type Part<E, From extends string, To extends string> = E extends { readonly [F in From]: infer S extends TSchema }
  ? object extends Static<S>
    ? { [T in To]?: Static<S> }
    : { [T in To]: Static<S> }
  : { [T in To]?: never }

type Upload<E> = E extends { upload: true } ? { body: Blob } : Part<E, 'body', 'body'>

/** What a call of the endpoint passes: path parameters, query string and body, as its schemas say. */
export type Args<K extends EndpointKey> = Part<Api[K], 'params', 'params'> &
  Part<Api[K], 'query', 'query'> &
  Upload<Api[K]>

/** The arguments after the key: optional when the endpoint needs nothing. */
export type ArgsOf<K extends EndpointKey> = object extends Args<K> ? [args?: Args<K>] : [args: Args<K>]

/** The method and the URL of a call: path parameters filled in and encoded, the query string appended. */
export function urlOf(
  key: EndpointKey,
  params: Readonly<Record<string, unknown>> = {},
  query: Readonly<Record<string, unknown>> = {}
): { method: string; url: string } {
  const [method, pattern] = key.split(' ') as [string, string]
  const path = pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params[name])))
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value))
  const qs = search.toString()
  return { method, url: qs === '' ? path : `${path}?${qs}` }
}
