import type { AdapterEnv } from '../../src/adapter'
import type { SegmentClient, SegmentSettings } from './index'

/**
 * Loads analytics-next for our write key. Offline or blocked, its load promise rejects and calls
 * made meanwhile never settle: the rejection is caught here and never reaches the page.
 */
export async function loadSegment(settings: SegmentSettings, env: AdapterEnv): Promise<SegmentClient> {
  // Imported only when needed: an npm app that uses the page's Segment never downloads it.
  const { AnalyticsBrowser } = await import('@segment/analytics-next')
  const api = settings.apiHost ? new URL(settings.apiHost) : undefined
  const browser = AnalyticsBrowser.load(
    {
      writeKey: settings.writeKey as string,
      ...(settings.cdnUrl ? { cdnURL: settings.cdnUrl } : {}),
      ...(settings.cdnSettings ? { cdnSettings: settings.cdnSettings as any } : {}),
    },
    api
      ? { integrations: { 'Segment.io': { apiHost: `${api.host}${api.pathname.replace(/\/$/, '')}`, protocol: api.protocol.slice(0, -1) as 'http' | 'https' } } }
      : {},
  )
  return new Promise((resolve, reject) => {
    browser.then(
      // Not `resolve(browser)`: AnalyticsBrowser is itself a thenable and would be unwrapped.
      () => resolve({ track: (...a: any[]) => browser.track(...(a as [any])), identify: (...a: any[]) => browser.identify(...(a as [any])), page: (...a: any[]) => browser.page(...(a as [any])) }),
      (error: unknown) => {
        env.log.debug('Segment failed to load', error)
        reject(error)
      },
    )
  })
}
