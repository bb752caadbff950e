import { presetOf } from '../../adapters/config'
import type * as v from 'valibot'
import type { Adapter } from '../adapter'
import { pageAdapters } from '../../adapters/index'
import { serverSenders } from '../../adapters/server'
import { relaySchema } from './settings'

let adapters: Adapter[] | undefined
let schema: v.GenericSchema | undefined

/** Every destination of the config; those with a server API carry their webhook preset. */
export function relayAdapters(): readonly Adapter[] {
  adapters ??= pageAdapters.map((adapter) => {
    const server = serverSenders.find((s) => s.browser.name === adapter.name)
    return server ? { ...adapter, preset: { ...presetOf(adapter), webhooks: server.webhookPreset } } : adapter
  })
  return adapters
}

/** The `relay` section's schema, for the destinations the relay can forward to. */
export function relaySchemaFor(): v.GenericSchema {
  schema ??= relaySchema(serverSenders.map((s) => s.browser.name)) as v.GenericSchema
  return schema
}
