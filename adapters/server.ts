/** The destinations the webhook relay can forward to, by their server APIs. */
import { conversionsApi } from './facebook-pixel/capi'
import { measurementProtocol } from './ga4/measurement-protocol'
import { httpTrackingApi } from './segment/http-api'

export const serverSenders = [conversionsApi, measurementProtocol, httpTrackingApi] as const
