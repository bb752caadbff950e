import { createHash } from 'node:crypto'
import { STYLES } from '../../debugger/styles'

/** The debugger's look, plus what a full page needs: the admin reads like the same product. */
export const ADMIN_STYLES = `${STYLES}
body { margin: 0; background: #eef0f4; }
.admin { max-width: 980px; margin: 0 auto; min-height: 100vh; background: #fff; box-shadow: 0 0 0 1px #0001; }
.admin .bar form { margin: 0; }
.admin .bar button { font-size: 13px; border: 1px solid #fff6; }
.admin .body { padding: 12px 16px 24px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
.search { gap: 8px; } .search input { flex: 1; font: inherit; padding: 3px 6px; border: 1px solid #c8ccd6; border-radius: 5px; }
button.action { font: inherit; font-size: 12px; padding: 1px 10px; border: 1px solid #3b5bdb; border-radius: 5px; background: #3b5bdb; color: #fff; cursor: pointer; }
button.action:focus-visible, .search input:focus-visible { outline: 2px solid #8ea8ff; outline-offset: 1px; }
.inline { display: inline; margin: 0 0 0 6px; }
.notice { padding: 6px 10px; border-radius: 6px; background: #d3f9d8; color: #1b5e20; }
.dead { border-collapse: collapse; width: 100%; font-size: 12.5px; }
.dead th, .dead td { border-bottom: 1px solid #e3e6ec; padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
.dead th { color: #556; font-weight: 500; }
.answer { color: #334; } .answer code { font-size: 11.5px; }
.messages { margin: 2px 0; padding-left: 18px; color: #7a4b00; }
.details { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: flex-start; margin-top: 6px; }
.hidden-fields { color: #778; font-size: 12px; margin: 2px 0; }
.pages { display: flex; gap: 12px; margin-top: 10px; }
.login { max-width: 420px; }
.login input { font: inherit; padding: 4px 6px; border: 1px solid #c8ccd6; border-radius: 5px; width: 100%; margin: 6px 0; }
`

/** The page's only style, allowed by its hash: the CSP allows nothing else, no script at all. */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(ADMIN_STYLES).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`
