import { SAMPLE_EVENTS, SAMPLE_SCREENS, SAMPLE_SESSION, SCREEN_EVENT } from './samples'

/** The official vendor snippets, minus their network loads: the page a shop already has. */
const VENDOR_SNIPPETS = `
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;
n.version='2.0';n.queue=[];}(window,document,'script');
fbq('init', '1234567890');
window.dataLayer = window.dataLayer || [];
function gtag(){dataLayer.push(arguments);}
gtag('js', new Date());
gtag('config', 'G-DEMO1234', { send_page_view: false });
`

/** What the playground starts with: all three vendors, Segment posting to this server (under this page view's path). */
export function demoConfig(origin: string, view: string): Record<string, unknown> {
  return {
    debug: true,
    destinations: {
      facebookPixel: { pixelId: '1234567890' },
      ga4: { measurementId: 'G-DEMO1234' },
      segment: {
        writeKey: 'demoWriteKey01',
        apiHost: `${origin}/segment/${view}/v1`,
        cdnSettings: { integrations: { 'Segment.io': { apiKey: 'demoWriteKey01' } } },
      },
    },
  }
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
header { background: #1d2330; color: #fff; padding: 10px 16px; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; } header span { opacity: .7; } header a { color: #a5b4fc; }
main { display: grid; grid-template-columns: 250px minmax(260px, 1fr) minmax(420px, 1.7fr); gap: 12px; padding: 12px; align-items: start; }
section { background: #fff; border-radius: 8px; padding: 10px 12px; box-shadow: 0 1px 2px #0002; min-width: 0; }
h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: #556; }
button { margin: 2px 0; padding: 5px 8px; border: 1px solid #c8ccd6; background: #fafbfc; border-radius: 5px; cursor: pointer; font: inherit; }
button.primary { background: #3b5bdb; color: #fff; border-color: #3b5bdb; width: 100%; }
#events button { display: block; width: 100%; text-align: left; }
textarea { width: 100%; box-sizing: border-box; height: 300px; font: 12px/1.35 ui-monospace, monospace; }
pre { margin: 0; font: 11.5px/1.35 ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 160px; overflow: auto; background: #f7f8fa; padding: 6px; border-radius: 5px; }
.panel { margin: 8px 0; } .count { color: #889; font-weight: normal; }
#problems { color: #b42318; white-space: pre-wrap; font: 12px ui-monospace, monospace; }
#problems.ok { color: #127a3a; }
.note { background: #fff9db; border-left: 4px solid #f08c00; padding: 6px 8px; border-radius: 5px; margin: 0 0 8px; }
details.raw summary { cursor: pointer; color: #556; margin-top: 10px; }
select { width: 100%; margin: 4px 0; }
`

const LITE_NOTE = `<p class="note" id="lite-note">The lite bundle uses only the vendors already on the page: it never loads one.
This page has the Pixel and gtag snippets but no Segment snippet, so Segment waits for <code>window.analytics</code>, then drops its events (see each vendor's state below).</p>`

/**
 * The playground page: a simulated Popin widget, the config editor (validated as you apply it),
 * the timeline of what each destination received or why not (the debugger, drawn from the
 * bridge's own trace), and, folded, the raw queues of the vendors. `view` names this page view:
 * the Segment requests shown are its own.
 */
export function demoPage(bundle: 'full' | 'lite', config: unknown, view: string): string {
  const src = bundle === 'lite' ? '/popin-bridge.lite.min.js' : '/popin-bridge.min.js'
  const data = JSON.stringify({ events: SAMPLE_EVENTS, screens: SAMPLE_SCREENS, session: SAMPLE_SESSION, screenEvent: SCREEN_EVENT, view }).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>popin-bridge playground</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
<script>${VENDOR_SNIPPETS}</script>
<script>window.popinBridgeConfig = ${JSON.stringify(config).replace(/</g, '\\u003c')};</script>
</head>
<body>
<header><h1>popin-bridge playground</h1><span>${bundle} bundle · Popin events in, Facebook Pixel / GA4 / Segment / dataLayer out</span>
<a href="${bundle === 'lite' ? '/' : '/lite'}">${bundle === 'lite' ? 'full bundle' : 'lite bundle'}</a></header>
<main>
  <section>
    <h2>Simulated Popin widget</h2>
    <button class="primary" id="play">▶ Play a whole session</button>
    <div id="events"></div>
    <select id="screen"></select>
    <button id="navigate">Navigate to screen</button>
    <button id="reset">Clear raw panels</button>
  </section>
  <section>
    <h2>Config</h2>
    <textarea id="config" spellcheck="false"></textarea>
    <button class="primary" id="apply">Apply config</button>
    <div id="problems"></div>
  </section>
  <section>
    <h2>What happened</h2>
    ${bundle === 'lite' ? LITE_NOTE : ''}
    <div id="timeline"></div>
    <details class="raw"><summary>Raw: what each vendor's queue holds</summary>
    <div class="panel"><h2>Facebook Pixel <span class="count" id="fb-count"></span></h2><pre id="fb"></pre></div>
    <div class="panel"><h2>GA4 (gtag) <span class="count" id="ga-count"></span></h2><pre id="ga"></pre></div>
    <div class="panel"><h2>Segment API requests <span class="count" id="sg-count"></span></h2><pre id="sg"></pre></div>
    <div class="panel"><h2>GTM dataLayer events <span class="count" id="dl-count"></span></h2><pre id="dl"></pre></div>
    </details>
  </section>
</main>
<script src="${src}"></script>
<script src="/popin-bridge.debugger.js"></script>
<script>
(function () {
  var DATA = ${data};
  var offsets = { fb: 0, ga: 0, dl: 0 };
  var $ = function (id) { return document.getElementById(id); };
  var requests = '/segment/' + DATA.view + '/requests';
  function fire(name, payload) { window.popinEvent(name, JSON.parse(JSON.stringify(payload))); render(); }
  Object.keys(DATA.events).forEach(function (name) {
    var button = document.createElement('button');
    button.textContent = name;
    button.dataset.event = name;
    button.onclick = function () { fire(name, DATA.events[name]); };
    $('events').appendChild(button);
  });
  DATA.screens.forEach(function (screen) {
    var option = document.createElement('option');
    option.textContent = screen;
    $('screen').appendChild(option);
  });
  $('navigate').onclick = function () { fire(DATA.screenEvent, { uid: 'demo-visitor-1', screen: $('screen').value }); };
  $('play').onclick = function () { DATA.session.forEach(function (step) { fire(step[0], step[1]); }); };
  $('reset').onclick = function () {
    offsets = { fb: fbq.queue.length, ga: gtagCalls().length, dl: layerEvents().length };
    fetch(requests, { method: 'DELETE' }).then(render);
  };
  $('apply').onclick = apply;
  $('config').value = JSON.stringify(window.popinBridgeConfig, null, 2);
  function apply() {
    var config;
    try { config = JSON.parse($('config').value); }
    catch (error) { return showProblems(['not valid JSON: ' + error.message]); }
    PopinBridge.init(config);
    validate(config);
  }
  // The drop-in checks shapes only; the schema's messages come from the server (popin-bridge validate).
  function validate(config) {
    fetch('/validate', { method: 'POST', body: JSON.stringify(config === undefined ? {} : config) })
      .then(function (r) { return r.json(); })
      .then(function (problems) { showProblems(problems.map(function (p) { return p.path + ': ' + p.message; })); });
  }
  function showProblems(lines) {
    $('problems').className = lines.length ? '' : 'ok';
    $('problems').textContent = lines.length ? lines.join('\\n') : '✓ config is valid';
  }
  function gtagCalls() { return dataLayer.filter(function (e) { return e && typeof e.length === 'number'; }); }
  function layerEvents() { return dataLayer.filter(function (e) { return e && e.event; }); }
  function show(id, items, format) {
    $(id).textContent = items.map(format).join('\\n');
    $(id + '-count').textContent = '(' + items.length + ')';
    $(id).scrollTop = $(id).scrollHeight;
  }
  function args(list) { return Array.prototype.map.call(list, function (a) { return JSON.stringify(a); }).join(', '); }
  function render() {
    show('fb', Array.prototype.slice.call(fbq.queue, offsets.fb), function (c) { return 'fbq(' + args(c) + ')'; });
    show('ga', gtagCalls().slice(offsets.ga), function (c) { return 'gtag(' + args(c) + ')'; });
    show('dl', layerEvents().slice(offsets.dl), function (e) { return JSON.stringify(e); });
    fetch(requests).then(function (r) { return r.json(); }).then(function (requests) {
      show('sg', requests, function (r) {
        var b = r.body || {};
        return 'POST ' + r.path + '  ' + (b.type || '') + ' ' + JSON.stringify(b.event || '') + ' ' + JSON.stringify(b.properties || b.traits || {});
      });
    });
  }
  setInterval(render, 700);
  validate(window.popinBridgeConfig);
  if (window.PopinBridgeDebugger) PopinBridgeDebugger.mount($('timeline'));
  render();
})();
</script>
</body>
</html>
`
}
