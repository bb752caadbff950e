/**
 * Compile-only: `npm run typecheck` fails if the public types accept misuse they should reject,
 * or reject use they should accept. Nothing here runs.
 */
import { createBridge, type BridgeConfig, type CapturedPayload, type PopinEventMap, type ScreenId } from '../../src/index'
import { createBridge as createCoreBridge, ga4, segment } from '../../src/core'

// Accepted: the documented shapes.
const config: BridgeConfig = {
  extends: 'popin-default',
  debug: true,
  eventId: '{{name}}.{{uid}}',
  destinations: {
    facebookPixel: { pixelId: '1234567890', advancedMatching: true, events: { popin_captured: { name: 'Lead' } } },
    ga4: { measurementId: 'G-ABC123', load: 'page', screens: { '*': { name: 'popin_screen_view', params: { screen_id: { '@path': 'screen' } } } } },
    segment: { writeKey: 'abcdefgh', events: { popin_captured: [{ call: 'identify' }, { call: 'track', name: 'Lead Captured' }] } },
    dataLayer: { name: 'dataLayer', events: { '*': false } },
  },
  consent: { required: true, follow: 'tcf', categories: { segment: 'ads' } },
  relay: { port: 8787, timeZone: 'Asia/Kolkata', endpoints: { ga4: 'https://www.google-analytics.com' } },
}
const bridge = createBridge(config)
bridge.handle('popin_captured', { email: 'a@b.co' })
bridge.destroy()
createCoreBridge(undefined, { adapters: [ga4, segment] })
const lead: CapturedPayload = { name: 'Ada', email: 'a@b.co', uid: 'u' }
const screen: ScreenId = 'SCREEN_VIDEO_CALL'
const rating: PopinEventMap['popin_rating_done'] = { rating: 5, comment: 'ok' }
void [lead, screen, rating]

// Rejected: each line below must be a type error.
// @ts-expect-error unknown destination
createBridge({ destinations: { tiktok: {} } })
// @ts-expect-error a setting of another destination
createBridge({ destinations: { ga4: { pixelId: '1' } } })
// @ts-expect-error load is "auto" or "page"
createBridge({ destinations: { segment: { load: 'always' } } })
// @ts-expect-error extends names a known preset
createBridge({ extends: 'popin-basic' })
// @ts-expect-error debug is a boolean
createBridge({ debug: 'yes' })
// @ts-expect-error a rule's params are constants or directives
createBridge({ destinations: { ga4: { events: { nudge_show: { params: { at: new Date() } } } } } })
// @ts-expect-error a rule has no "event" key
createBridge({ destinations: { ga4: { events: { nudge_show: { event: 'x' } } } } })
// @ts-expect-error rating is a number
const badRating: PopinEventMap['popin_rating_done'] = { rating: '5' }
// @ts-expect-error core needs its adapters
createCoreBridge({})
// @ts-expect-error consent.follow names a known source
createBridge({ consent: { follow: 'onetrust' } })
// @ts-expect-error not a screen id
const badScreen: ScreenId = 'SCREEN_NOPE'
void [badRating, badScreen]
