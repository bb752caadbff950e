// Peer: the `analytics` package (DavidWells) with its GA4 and Segment plugins, minimal Facebook
// Pixel and dataLayer plugins forwarding to the page's own fbq and dataLayer, and the
// window.popinEvent glue a shop would write.
import googleAnalytics from '@analytics/google-analytics'
import segmentPlugin from '@analytics/segment'
import Analytics from 'analytics'

const facebookPixel = {
  name: 'facebook-pixel',
  initialize() {},
  loaded: () => typeof window.fbq === 'function',
  page() {},
  track({ payload }) {
    window.fbq('trackCustom', payload.event, payload.properties)
  },
}

const dataLayer = {
  name: 'datalayer',
  track({ payload }) {
    window.dataLayer.push({ event: payload.event, ...payload.properties })
  },
}

const analytics = Analytics({
  app: 'shop',
  plugins: [googleAnalytics({ measurementIds: ['G-BENCH123'] }), segmentPlugin({ writeKey: 'benchWriteKey' }), facebookPixel, dataLayer],
})

window.popinEvent = function (event, data) {
  if (data && typeof data.screen === 'string') analytics.track('popin_screen_view', { screen_id: data.screen })
  else analytics.track(event, data || {})
}
