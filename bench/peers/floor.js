// The floor: a hand-written window.popinEvent making the identical vendor calls popin-bridge makes
// for the preset (config `{}`: Facebook Pixel, GA4, Segment and the GTM dataLayer, all on the
// page). Nothing is checked, nothing is queued: the least any script can do to send what the
// preset sends. test/bench.test.ts checks that its calls are popin-bridge's, argument for argument.
var token = String(Math.floor(Math.random() * 1e9))
var count = 0
var dataLayer = (window.dataLayer = window.dataLayer || [])
var call = { content_name: 'Popin video call' }
var pixel = {
  popin_permission_given: (d) => ['trackCustom', 'PopinPermissionGiven', { audio: d.audio, video: d.video }],
  popin_call_end: (d) => ['track', 'Contact', { content_name: call.content_name, call_id: d.callId }],
  popin_rating_done: (d) => ['trackCustom', 'PopinCallRated', { rating: d.rating }],
  popin_captured: (d) => ['track', 'Lead', { content_name: 'Popin lead form', content_category: d.group }],
  popin_schedule_created: () => ['track', 'Schedule', call],
}
var ga = {
  nudge_show: () => ['popin_nudge_show', {}],
  nudge_open: () => ['popin_nudge_open', {}],
  nudge_close: () => ['popin_nudge_close', {}],
  popin_permission_given: (d) => ['popin_permission_given', { audio: d.audio, video: d.video }],
  popin_call_end: (d) => ['popin_call_end', { call_id: d.callId, invited: d.invited }],
  popin_rating_done: (d) => ['popin_rating', { rating: d.rating }],
  popin_captured: (d) => ['generate_lead', { lead_source: 'popin', popin_group: d.group }],
  popin_schedule_created: (d) => ['popin_schedule_created', { schedule_time: d.time, schedule_timezone: d.timezone }],
}
var segment = {
  nudge_show: () => ['Nudge Shown', {}],
  nudge_open: () => ['Nudge Opened', {}],
  nudge_close: () => ['Nudge Closed', {}],
  popin_permission_given: (d) => ['Device Permission Granted', { audio: d.audio, video: d.video }],
  popin_call_end: (d) => ['Call Ended', { call_id: d.callId, invited: d.invited }],
  popin_rating_done: (d) => ['Call Rated', { rating: d.rating, comment: d.comment }],
  popin_captured: (d) => ['Lead Captured', { group: d.group }],
  popin_schedule_created: (d) => ['Call Scheduled', { time: d.time, timezone: d.timezone }],
}

window.popinEvent = function (event, data) {
  var d = data || {}
  var screen = typeof d.screen === 'string'
  // popin-bridge's occurrence id; a screen's has no event name in it.
  var id = (screen ? '' : event + '.') + token + '.' + count++
  if (screen) {
    window.gtag('event', 'popin_screen_view', { screen_id: d.screen, popin_uid: d.uid })
    window.analytics.track('Widget Screen Viewed', { popin_uid: d.uid, screen_id: d.screen })
  } else {
    var fb = pixel[event] && pixel[event](d)
    if (fb) window.fbq(fb[0], fb[1], fb[2], { eventID: id })
    var g = ga[event] && ga[event](d)
    if (g) window.gtag('event', g[0], Object.assign(g[1], { popin_uid: d.uid }))
    if (event === 'popin_captured') window.analytics.identify({ name: d.name, email: d.email, address: { country: d.country }, popin_group: d.group })
    var s = segment[event] && segment[event](d)
    if (s) window.analytics.track(s[0], Object.assign({ popin_uid: d.uid }, s[1]))
  }
  // GTM merges pushed objects into its model: clear the previous event's fields first.
  dataLayer.push({ popin: null })
  dataLayer.push({ event: screen ? 'popin.screen_view' : 'popin.' + event, popin: d, popin_event_id: id })
}
