import type { AdapterEnv } from '../../src/adapter'
import { ga4ConsentCalls } from './consent'
import type { Ga4Client, Ga4Settings } from './index'

/**
 * Loads gtag.js through react-ga4, with no automatic page view (the page owns page views).
 * A fresh instance, not react-ga4's singleton, so a page using react-ga4 itself is untouched.
 */
export async function loadGa4(settings: Ga4Settings, env: AdapterEnv): Promise<Ga4Client> {
  const { ReactGAImplementation } = await import('react-ga4')
  // Consent mode's default must reach the dataLayer before gtag's `config` does.
  if (env.consent.required || Object.keys(env.consent.state).length) {
    const { window } = env
    const push = function (..._args: unknown[]) {
      ;(window.dataLayer = window.dataLayer || []).push(arguments)
    }
    for (const call of ga4ConsentCalls(env.consent, 'default')) push(...call.args)
  }
  const ga = new ReactGAImplementation()
  ga.initialize(settings.measurementId as string, {
    gtagOptions: { send_page_view: false },
    ...(settings.gtagUrl ? { gtagUrl: settings.gtagUrl } : {}),
    ...(settings.nonce ? { nonce: settings.nonce } : {}),
  })
  return ga
}
