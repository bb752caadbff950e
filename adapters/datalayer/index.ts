import { defineAdapter, forReadingConfigs } from '../../src/adapter'

export interface DataLayerSettings {
  /** The dataLayer variable GTM reads. Default `dataLayer`. */
  name?: string
}

export const dataLayer = defineAdapter<DataLayerSettings, unknown[], 'dataLayer'>({
  name: 'dataLayer',
  label: 'GTM dataLayer',
  vendorGlobal: 'dataLayer',

  calls: ['push'],
  ...forReadingConfigs({
    eventIds: true,
    personalData: 'setting',
    // Pushing to the page's dataLayer sends nothing anywhere: GTM's own consent settings govern its tags.
    consentCategory: 'none',
  }),

  /**
   * GTM's own idiom: the array is created if GTM has not loaded yet, and GTM replays it. A global
   * of that name that is something else (`location`, `fbq`, `__proto__`) is never replaced.
   */
  findOnPage(settings, { window }) {
    const name = settings.name ?? 'dataLayer'
    if (window[name] === undefined || window[name] === null) window[name] = []
    return Array.isArray(window[name]) ? window[name] : null
  },

  vendorCalls(call, settings) {
    const fn = `${settings.name ?? 'dataLayer'}.push`
    return [
      // GTM merges pushed objects into its model: clear the previous event's fields first.
      { fn, args: [{ popin: null }] },
      { fn, args: [{ event: call.name, popin: call.params, popin_event_id: call.eventId }] },
    ]
  },

  invoke: (dataLayer, { args }) => dataLayer.push(...args),
})
