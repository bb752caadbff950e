// Peer: @segment/analytics-next alone, with a destination plugin forwarding to the page's fbq,
// gtag and dataLayer, and the window.popinEvent glue a shop would write.
import { AnalyticsBrowser } from '@segment/analytics-next'

const pageVendors = {
  name: 'Page vendors',
  type: 'destination',
  version: '1.0.0',
  isLoaded: () => true,
  load: () => Promise.resolve(),
  track(ctx) {
    const { event, properties } = ctx.event
    window.fbq('trackCustom', event, properties)
    window.gtag('event', event, properties)
    window.dataLayer.push({ event, ...properties })
    return ctx
  },
}

const analytics = AnalyticsBrowser.load({
  writeKey: 'benchWriteKey',
  cdnSettings: { integrations: { 'Segment.io': { apiKey: 'benchWriteKey' } }, metrics: { sampleRate: 0 } },
  plugins: [pageVendors],
})
analytics.catch(() => undefined)

window.popinEvent = function (event, data) {
  if (data && typeof data.screen === 'string') analytics.track('popin_screen_view', { screen_id: data.screen }).catch(() => undefined)
  else analytics.track(event, data || {}).catch(() => undefined)
}
