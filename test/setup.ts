import { afterAll, afterEach, beforeEach } from 'vitest'
import { bridgesOfThisTest, pagesOfThisFile, pagesOfThisTest, type TestWindow } from './helpers'
import { expectNoPersonalDataSent, fakeDestinationsInUse } from './support/fake-destinations'
import { expectNoPersonalDataOnWindow } from './support/personal-data'
import { markTestRunning } from './support/scope'

// Applied to every test of the suite, in every environment that records what vendors got:
// GA4 never got personal data and Facebook never got it in clear, whether from a happy-dom page
// (makeWindow's pages, and vitest's own window) or from the relay (fake destinations, see
// expectNoPersonalDataSent). Then what the test made is removed: its pages and fake destinations
// are closed, even when a check failed. Browser pages are checked by the browser tests
// themselves (expectNoPersonalDataOnPage in test/support/browser.ts).
// Hooks run as a stack: this file's afterEach runs after the test file's own, so what those
// close or destroy is still readable here.

type Attempt = (step: () => unknown) => Promise<void>

beforeEach(() => markTestRunning(true))

afterEach(async () => {
  markTestRunning(false)
  await collectingProblems(async (attempt) => {
    const pages = pagesOfThisTest.splice(0)
    await checkPages(attempt, [...pages, ...pagesOfThisFile])
    for (const bridge of bridgesOfThisTest.splice(0)) await attempt(() => bridge.destroy())
    await checkFakeDestinations(attempt, 'test')
    await closePages(attempt, pages)
  })
})

afterAll(async () => {
  await collectingProblems(async (attempt) => {
    const pages = pagesOfThisFile.splice(0)
    await checkFakeDestinations(attempt, 'file')
    await closePages(attempt, pages)
  })
})

async function checkPages(attempt: Attempt, pages: TestWindow[]) {
  const global = typeof window === 'undefined' ? [] : [window]
  for (const page of [...pages, ...global]) await attempt(() => expectNoPersonalDataOnWindow(page))
}

async function closePages(attempt: Attempt, pages: TestWindow[]) {
  for (const page of pages) await attempt(() => page.happyDOM.close())
}

/** Checks what each fake received since its last check; closes the ones of this scope. */
async function checkFakeDestinations(attempt: Attempt, scope: 'test' | 'file') {
  for (const entry of [...fakeDestinationsInUse]) {
    const { fakes } = entry
    if (entry.checked > fakes.received.length) entry.checked = 0 // the test emptied `received`
    const from = entry.checked
    entry.checked = fakes.received.length
    await attempt(() => expectNoPersonalDataSent(fakes, from))
    if (scope === 'file' || entry.duringTest) {
      fakeDestinationsInUse.splice(fakeDestinationsInUse.indexOf(entry), 1)
      await attempt(() => fakes.close())
    }
  }
}

/** Runs every step even when one fails, then fails with all of their problems. */
async function collectingProblems(steps: (attempt: Attempt) => Promise<void>) {
  const problems: unknown[] = []
  await steps(async (step) => {
    try {
      await step()
    } catch (error) {
      problems.push(error)
    }
  })
  if (problems.length === 1) throw problems[0]
  if (problems.length > 1) {
    const error = new Error(problems.map((problem) => (problem instanceof Error ? problem.message : String(problem))).join('\n\n'))
    error.name = `${problems.length} problems after the test`
    throw error
  }
}
