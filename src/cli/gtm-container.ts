import { POPIN_EVENTS } from '../events/catalog'

/** GTM's built-in "All Pages" trigger. */
const ALL_PAGES = '2147479553'

/** The dataLayer fields GTM users most often need, as Data Layer Variables. */
const VARIABLES = [
  'popin_event_id',
  'popin.uid',
  'popin.screen',
  'popin.callId',
  'popin.invited',
  'popin.rating',
  'popin.time',
  'popin.timezone',
  'popin.group',
  'popin.country',
  'popin.audio',
  'popin.video',
]

const template = (key: string, value: string) => ({ type: 'TEMPLATE', key, value })
const ids = { accountId: '0', containerId: '0' }

/**
 * A container export (GTM: Admin > Import Container, merge) holding the bridge's Custom HTML
 * tag on All Pages, a Custom Event trigger for every `popin.*` event the dataLayer adapter
 * pushes, and Data Layer Variables for their fields, so users can build their own tags on them.
 */
export function gtmContainer(tagHtml: string, exportTime: Date): Record<string, unknown> {
  const dataLayerEvents = [...POPIN_EVENTS.map((name) => `popin.${name}`), 'popin.screen_view']
  const trigger = [
    {
      ...ids,
      triggerId: '1',
      name: 'Popin - any event',
      type: 'CUSTOM_EVENT',
      customEventFilter: [{ type: 'MATCH_REGEX', parameter: [template('arg0', '{{_event}}'), template('arg1', '^popin\\.')] }],
    },
    ...dataLayerEvents.map((event, i) => ({
      ...ids,
      triggerId: String(i + 2),
      name: `Popin - ${event}`,
      type: 'CUSTOM_EVENT',
      customEventFilter: [{ type: 'EQUALS', parameter: [template('arg0', '{{_event}}'), template('arg1', event)] }],
    })),
  ]
  const variable = VARIABLES.map((name, i) => ({
    ...ids,
    variableId: String(i + 1),
    name: `Popin - ${name}`,
    type: 'v',
    parameter: [
      { type: 'INTEGER', key: 'dataLayerVersion', value: '2' },
      { type: 'BOOLEAN', key: 'setDefaultValue', value: 'false' },
      template('name', name),
    ],
  }))
  const tag = [
    {
      ...ids,
      tagId: '1',
      name: 'Popin Bridge',
      type: 'html',
      parameter: [template('html', tagHtml), { type: 'BOOLEAN', key: 'supportDocumentWrite', value: 'false' }],
      firingTriggerId: [ALL_PAGES],
      tagFiringOption: 'ONCE_PER_LOAD',
    },
  ]
  return {
    exportFormatVersion: 2,
    exportTime: exportTime.toISOString().slice(0, 19).replace('T', ' '),
    containerVersion: { ...ids, containerVersionId: '0', tag, trigger, variable },
  }
}
