// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest'
import { lagTracker } from '../../src/relay/lag'

afterEach(() => void vi.useRealTimers())

describe('lagTracker: whether forwarding lags behind intake, for backpressure', () => {
  it('lags from a claim that leaves rows until one that takes them all, on any destination', async () => {
    const lag = lagTracker(3000)
    expect(lag.lagging()).toBe(false)
    lag.claimed('ga4', true)
    lag.claimed('segment', true)
    let caughtUp = false
    void lag.caughtUp(10_000).then(() => (caughtUp = true))
    lag.claimed('ga4', false)
    await Promise.resolve()
    expect([lag.lagging(), caughtUp]).toEqual([true, false])
    lag.claimed('segment', false)
    await Promise.resolve()
    expect([lag.lagging(), caughtUp]).toEqual([false, true])
  })

  it('counts a lag for its first episodeMs only, and a wait for maxMs at most', async () => {
    vi.useFakeTimers()
    const lag = lagTracker(3000)
    lag.claimed('ga4', true)
    let waited = false
    void lag.caughtUp(1000).then(() => (waited = true))
    await vi.advanceTimersByTimeAsync(999)
    expect(waited).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(waited).toBe(true)
    // Claims that leave rows again do not start the lag over.
    lag.claimed('ga4', true)
    await vi.advanceTimersByTimeAsync(2000)
    expect(lag.lagging()).toBe(false)
    // Once it has caught up, a new lag counts again.
    lag.claimed('ga4', false)
    lag.claimed('ga4', true)
    expect(lag.lagging()).toBe(true)
  })

  it('lets every wait go on when stopped, and lags no more', async () => {
    const lag = lagTracker(3000)
    lag.claimed('ga4', true)
    const waits = Promise.all([lag.caughtUp(60_000), lag.caughtUp(60_000)])
    lag.stop()
    await waits
    lag.claimed('ga4', true)
    expect(lag.lagging()).toBe(false)
  })
})
