import { Type, type Static } from 'typebox'

/** The one error shape every route answers with. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String()
    })
  },
  { additionalProperties: false }
)
export type ErrorBody = Static<typeof ErrorBody>

export const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' })
export const IsoDateTime = Type.String({ format: 'date-time' })
export const Id = Type.String({ minLength: 1, maxLength: 64 })

/** Standard error responses a route may answer with, for documentation and serialization. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  423: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  503: ErrorBody
}

/** A 204's empty answer. */
export const NoContent = Type.Null()

/** An answer that is bytes (a file, an archive, a log), not JSON: the client reads it as a Blob. */
export const Bytes = Type.Unknown()
