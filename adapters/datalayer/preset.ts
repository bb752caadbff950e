import type { Preset } from '../../src/adapter'

/** Every event, with its payload (the destination's personalData setting decides what of it goes). */
export const preset: Preset = {
  events: { '*': { name: 'popin.{{event}}', payload: true } },
  // Popin has not published the name of its screen event: one stable name for GTM triggers.
  screens: { '*': { name: 'popin.screen_view', payload: true } },
}
