import { readFileSync } from 'node:fs'
import { Window } from 'happy-dom'
const src = readFileSync('/work/main/dist/popin-bridge.lite.min.js', 'utf8')
const win = new Window({ url: 'https://shop.example/product/42', settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true } })
win.document.write('<!doctype html><html><head><title>Shop</title></head><body></body></html>')
let calls = 0; const record = () => { calls++ }
win.fbq = record; win.gtag = record
win.analytics = { track: record, identify: record, page: record }
win.popinBridgeConfig = { destinations: { dataLayer: { enabled: false } } }
const script = win.document.createElement('script'); script.textContent = src; win.document.head.appendChild(script)
const SESSION = [
  ['nudge_show', { uid: 'u-1' }], ['nudge_open', { uid: 'u-1' }],
  ['popin_screen', { uid: 'u-1', screen: 'SCREEN_CONNECT_OR_SCHEDULE' }],
  ['popin_permission_given', { uid: 'u-1', audio: true, video: true }],
  ['popin_screen', { uid: 'u-1', screen: 'SCREEN_VIDEO_CALL' }],
  ['popin_call_end', { uid: 'u-1', callId: 'call-77', invited: false }],
  ['popin_rating_done', { uid: 'u-1', rating: 5, comment: 'great' }],
  ['popin_captured', { uid: 'u-1', name: 'Ada', email: 'ada@example.com', country: 'GB', group: 'sofas' }],
  ['popin_schedule_created', { uid: 'u-1', timezone: 'Europe/London', time: '15:30' }],
  ['nudge_close', { uid: 'u-1' }],
]
const N = Number(process.argv[2] ?? 20000)
for (let r = 0; r < 5; r++) {
  const t = performance.now()
  for (let i = 0; i < N; i++) { const [n, d] = SESSION[i % SESSION.length]; win.popinEvent(n, d) }
  console.log(((performance.now() - t) * 1e6 / N).toFixed(0), 'ns/event', calls)
}
