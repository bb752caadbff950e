/** Defined as true by the drop-in bundles' build (rollup.config.mjs, `__BROWSER__`). */
declare const __BROWSER__: boolean | undefined

/**
 * Whether this is a drop-in bundle, which always runs in a page: code for other places (a server,
 * editors) is left out of it.
 */
export const IN_BROWSER_BUNDLE = typeof __BROWSER__ !== 'undefined' && __BROWSER__
