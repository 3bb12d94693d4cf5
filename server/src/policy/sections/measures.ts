/** Units the policy sections state their limits in. */
import { Type } from 'typebox'

/** A whole number of minutes from 1 to `max`. */
export const Minutes = (description: string, max: number, defaultValue: number) =>
  Type.Integer({ minimum: 1, maximum: max, default: defaultValue, description })

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB
