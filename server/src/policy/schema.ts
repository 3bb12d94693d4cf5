/**
 * The policy document: one section per concern, each in sections/. Everything a policy file may say
 * is declared there; this module puts the sections together and is where the rest of the code
 * imports them from.
 */
import { Type, type Static } from 'typebox'
import { AirlockPolicy } from './sections/airlock.js'
import { AuthPolicy } from './sections/auth.js'
import { DisplayPolicy } from './sections/display.js'
import { MonitoringPolicy } from './sections/monitoring.js'
import { QuotaPolicy } from './sections/quotas.js'
import { SandboxPolicy } from './sections/sandbox.js'

export { AirlockPolicy, ExceptableRule } from './sections/airlock.js'
export { AuthPolicy, DEFAULT_SIGN_IN_DELAYS, type SignInDelays } from './sections/auth.js'
export { DEFAULT_DISPLAY, DisplayPolicy } from './sections/display.js'
export { MonitoringPolicy } from './sections/monitoring.js'
export { DEFAULT_QUOTAS, QuotaPolicy } from './sections/quotas.js'
export { SandboxPolicy } from './sections/sandbox.js'

export const Policy = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    auth: AuthPolicy,
    sandbox: SandboxPolicy,
    airlock: AirlockPolicy,
    display: Type.Optional(DisplayPolicy),
    quotas: Type.Optional(QuotaPolicy),
    monitoring: Type.Optional(MonitoringPolicy)
  },
  { additionalProperties: false }
)
export type Policy = Static<typeof Policy>
