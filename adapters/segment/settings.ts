import type { SettingSpecs } from '../../src/adapter'
import type { SegmentSettings } from './index'

const URL = /^https?:\/\/[^/\s]+\S*$/

/** Its settings, checked by the config schema (the CLI) and by shape in the page (src/config/page-check.ts). */
export const segmentSettings: SettingSpecs<SegmentSettings> = {
  writeKey: { type: 'string', pattern: /^[A-Za-z0-9_-]{8,64}$/, message: 'must be a Segment write key', description: 'Segment source write key' },
  apiHost: { type: 'string', pattern: URL, message: 'must be an http(s) URL such as "https://api.segment.io/v1"', description: 'Segment API base URL' },
  cdnUrl: { type: 'string', pattern: URL, message: 'must be an http(s) URL', description: 'Segment CDN base URL' },
  cdnSettings: { type: 'object', description: 'Source settings, so none are fetched' },
}
