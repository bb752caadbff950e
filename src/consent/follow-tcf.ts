import type { ConsentState } from './state'

interface TcData {
  eventStatus?: string
  gdprApplies?: boolean
  listenerId?: number
  purpose?: { consents?: Record<string, boolean> }
}
type TcfApi = (command: string, version: number, callback: (data: TcData, success: boolean) => void, parameter?: unknown) => void

/**
 * Follows an IAB TCF v2.2 consent platform. Analytics needs purposes 1 (store and access
 * information) and 8 (measure content performance); ads needs 1, 3 and 4 (personalised ads)
 * and 7 (measure ad performance). Where the GDPR does not apply, both are granted.
 */
export function tcfDecision(data: TcData): ConsentState | undefined {
  if (data.eventStatus !== 'tcloaded' && data.eventStatus !== 'useractioncomplete') return undefined
  if (data.gdprApplies === false) return { analytics: true, ads: true }
  const consents = data.purpose?.consents ?? {}
  const all = (...purposes: number[]) => purposes.every((p) => consents[p] === true)
  return { analytics: all(1, 8), ads: all(1, 3, 4, 7) }
}

/** Listens to `__tcfapi` once the page has it; returns the function that stops listening. */
export function followTcf(win: Record<string, any>, onDecision: (state: ConsentState) => void): () => void {
  let listenerId: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const attach = () => {
    if (stopped) return
    const api = win.__tcfapi as TcfApi | undefined
    // CMPs define a stub queue early; a page whose CMP script comes later is checked again.
    if (typeof api !== 'function') {
      timer = setTimeout(attach, 250)
      return
    }
    api('addEventListener', 2, (data, success) => {
      if (!success || !data) return
      listenerId = data.listenerId
      const decision = tcfDecision(data)
      if (decision && !stopped) onDecision(decision)
    })
  }
  attach()
  return () => {
    stopped = true
    clearTimeout(timer)
    if (listenerId !== undefined) (win.__tcfapi as TcfApi)('removeEventListener', 2, () => undefined, listenerId)
  }
}
