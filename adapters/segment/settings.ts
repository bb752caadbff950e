import * as v from 'valibot'
import type { SettingsSchemas } from '../../src/adapter'
import { describe } from '../../src/lib/describe'
import { noArray } from '../../src/lib/no-array'
import type { SegmentSettings } from './index'

const url = (description: string, message: string) => describe(v.pipe(v.string(), v.regex(/^https?:\/\/[^/\s]+\S*$/, message)), description)

/** What the config schema checks; the page never loads it. */
export const segmentSettings: SettingsSchemas<SegmentSettings> = {
  writeKey: describe(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be a Segment write key')), 'Segment source write key'),
  apiHost: url('Segment API base URL', 'must be an http(s) URL such as "https://api.segment.io/v1"'),
  cdnUrl: url('Segment CDN base URL', 'must be an http(s) URL'),
  cdnSettings: describe(noArray(v.record(v.string(), v.unknown(), 'must be an object')), 'Source settings, so none are fetched'),
}
