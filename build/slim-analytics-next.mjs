/**
 * analytics-next imports its device-mode machinery lazily, guarded by source settings from
 * Segment's CDN. The drop-in's own Segment instance only sends to Segment (cloud mode), so those
 * modules are replaced by inert stubs: about 12 KB min+gzip saved. A page that needs device-mode
 * destinations keeps its own Segment snippet, which the bridge uses as it is.
 */
const STUBS = {
  'plugins/routing-middleware': 'export const tsubMiddleware = () => undefined',
  'plugins/ajs-destination': 'export const ajsDestinations = async () => []',
  'plugins/legacy-video-plugins': 'export const loadLegacyVideoPlugins = async () => undefined',
  'plugins/schema-filter': 'export const schemaFilter = () => undefined',
  'plugins/remote-middleware': 'export const remoteMiddlewares = async () => []',
}
const PREFIX = '\0slim-analytics-next:'

export function slimAnalyticsNext() {
  return {
    name: 'slim-analytics-next',
    resolveId(source, importer) {
      if (!importer?.includes('@segment/analytics-next')) return null
      const stub = Object.keys(STUBS).find((path) => source.endsWith(path) || source.endsWith(`${path}/index.js`))
      return stub ? PREFIX + stub : null
    },
    load(id) {
      return id.startsWith(PREFIX) ? STUBS[id.slice(PREFIX.length)] : null
    },
  }
}
