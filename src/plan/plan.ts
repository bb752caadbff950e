import type { Adapter, ConsentContext, Rule } from '../adapter'
import type { ConsentCategory } from '../consent/state'
import type { PersonalPolicy } from '../privacy/policy'
import type { Occurrence, Policy, Reader } from './readers'

/** One call a rule makes, compiled: every name, reader and check resolved once. */
export interface CallPlan {
  /** As the rule says; else the adapter's default for the rendered name. */
  call?: string
  name: (o: Occurrence) => string | undefined
  params: [key: string, read: Reader][]
  payload: boolean
}

/** Why a destination gets nothing for an event, compiled once, for debug mode. */
export interface NoCall {
  reason: string
}

/**
 * A section's rules by key (own keys only: a Map), and its `"*"` rule. In a page (a compiled tag,
 * a drop-in) each key's calls are a function that makes them, called when an event first needs them.
 */
export interface RuleTable {
  rules: Map<string, CallPlan[] | NoCall | (() => CallPlan[])>
  fallback: CallPlan[] | NoCall | (() => CallPlan[])
}

export type Section = 'events' | 'screens' | 'webhooks'

export interface DestinationPlan {
  adapter: Adapter
  settings: Record<string, unknown>
  /** Named in the user's config, rather than only in the preset: its silence deserves a warning. */
  explicit: boolean
  category: ConsentCategory
  policy: Policy
  /** Whether its calls carry Meta's hashed match keys. */
  matchKeys: boolean
  sections: Record<Section, RuleTable>
}

export interface Plan {
  debug: boolean
  /** Renders an occurrence's id; the same for every destination. */
  eventId: (o: Occurrence) => string
  readyTimeoutMs: number
  queueLimit: number
  consent: Omit<ConsentContext, 'state'>
  destinations: DestinationPlan[]
  /** Destinations switched off because their section has problems. */
  disabled: string[]
  /** The base URL of the relay's first-party route (no trailing slash: the schema says so). */
  relayUrl?: string
}

/**
 * A plan as plain data: what `resolve` makes of a config (src/plan/resolve.ts) and what the
 * compiled tag carries. `instantiate` turns it into the plan that runs.
 */
export interface PlanSource extends Omit<Plan, 'eventId' | 'destinations'> {
  /** The id template (`{{event}}.{{occurrence}}`). */
  eventId: string
  destinations: DestinationSource[]
}

/** A destination's plan as data: its adapter by name, its policy by what it does with personal data. */
export interface DestinationSource extends Omit<DestinationPlan, 'adapter' | 'policy' | 'sections'> {
  name: string
  personal: PersonalPolicy
  sections: Record<Section, TableSource>
}

/** A key's rules, expanded; or why nothing is sent. */
export type CallsSource = Rule[] | string

export interface TableSource {
  rules: [key: string, calls: CallsSource][]
  fallback: CallsSource
}
