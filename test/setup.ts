import { afterEach } from 'vitest'
import { pagesOfThisTest } from './helpers'
import { expectNoPersonalData, vendorCallsOf } from './support/personal-data'

// Applied to every test of the suite: whatever a test did, GA4 never got personal data and
// Facebook never got it in clear.
afterEach(() => {
  const pages = [...pagesOfThisTest.splice(0), typeof window === 'undefined' ? undefined : window]
  for (const page of pages) {
    const { ga4, facebook } = vendorCallsOf(page)
    expectNoPersonalData('GA4', ga4)
    expectNoPersonalData('Facebook', facebook)
  }
})
