import { isPlainObject } from '../../lib/is-plain-object'

/** A GA4 validation message (https://developers.google.com/analytics/devguides/collection/protocol/ga4/validating-events). */
export interface ValidationMessage {
  fieldPath?: string
  description?: string
  validationCode?: string
}

/** What a vendor's answer says, for people: Meta's trace id, GA4's validation messages. */
export interface VendorAnswer {
  fbtraceId?: string
  validationMessages?: ValidationMessage[]
}

/** Reads a kept answer (the start of the body): Meta puts `fbtrace_id` at the top, or in `error` when it refuses. */
export function vendorAnswer(response: string | null): VendorAnswer {
  let body: unknown
  try {
    body = JSON.parse(response ?? '')
  } catch {
    return {}
  }
  if (!isPlainObject(body)) return {}
  const out: VendorAnswer = {}
  const trace = body.fbtrace_id ?? (isPlainObject(body.error) ? body.error.fbtrace_id : undefined)
  if (typeof trace === 'string') out.fbtraceId = trace
  if (Array.isArray(body.validationMessages)) {
    out.validationMessages = body.validationMessages.filter(isPlainObject).map((m) => {
      const text = (key: string) => (typeof m[key] === 'string' ? { [key]: m[key] as string } : {})
      return { ...text('fieldPath'), ...text('description'), ...text('validationCode') }
    })
  }
  return out
}
