import { shortKey } from '../keys'
import type { DeadLetter, DeliveryRow, InboxRow } from '../store'
import { vendorAnswer } from './answer'
import { Html, html } from './html'
import { ADMIN_STYLES } from './styles'
import { summarize } from './summary'

export interface OverviewModel {
  rows: InboxRow[]
  dead: DeadLetter[]
  csrf: string
  labels: Record<string, string>
  timeZone: string
  page: number
  /** More rows than shown: a link to the next page. */
  more: boolean
  /** What the rows were searched by, as it may be shown (never a typed email). */
  search?: string
  notice?: string
  /** Whether the session came from the login form (it can log out). */
  cookie: boolean
}

const time = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`

export function page(title: string, body: Html, bar: Html = html``): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${htmlStyle()}</style></head>
<body><div class="root admin"><header class="bar"><h2>popin-bridge relay · ${title}</h2>${bar}</header><main class="body">${body}</main></div></body></html>`.text
}

// The styles hold no "<", so they go in as they are (the CSP hash is of this exact text).
const htmlStyle = () => new Html(ADMIN_STYLES)

/** The 401 page: a login form and nothing else. */
export function loginPage(message: string): string {
  return page(
    'admin',
    html`<form class="login" method="post" action="/admin/login"><p>${message}</p><label for="token">Admin token (POPIN_BRIDGE_ADMIN_TOKEN)</label><input id="token" name="token" type="password" autocomplete="current-password" required><button class="action" type="submit">Log in</button></form>`,
  )
}

export const refusedPage = (message: string) => page('admin', html`<p role="alert">${message}</p><p><a href="/admin">Back</a></p>`)

export function overviewPage(m: OverviewModel): string {
  const csrf = html`<input type="hidden" name="csrf" value="${m.csrf}">`
  const logout = m.cookie ? html`<form method="post" action="/admin/logout">${csrf}<button type="submit">Log out</button></form>` : html``
  return page(
    'admin',
    html`${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
<form class="tools search" method="post" action="/admin/search" role="search">${csrf}<label for="q">Find</label><input id="q" name="q" autocomplete="off" placeholder="visitor id, email, or email SHA-256"><button class="action" type="submit">Search</button></form>
${deadLetters(m, csrf)}
<h3>${m.search ? html`Found by ${m.search} · <a href="/admin">show all</a>` : 'Recent webhooks and browser events'}</h3>
${m.rows.length ? html`<ol class="timeline" aria-label="Webhooks and browser events, newest first">${m.rows.map((row) => inboxRow(row, m, csrf))}</ol>` : html`<p class="empty">Nothing here.</p>`}
${m.search ? '' : html`<nav class="pages">${m.page > 0 ? html`<a href="/admin?page=${m.page - 1}">← Newer</a>` : ''}${m.more ? html`<a href="/admin?page=${m.page + 1}">Older →</a>` : ''}</nav>`}`,
    logout,
  )
}

function deadLetters(m: OverviewModel, csrf: Html): Html {
  if (!m.dead.length) return html`<h3>Dead letters</h3><p class="empty">None: every delivery was accepted or is still being tried.</p>`
  return html`<h3>Dead letters (${m.dead.length}) <form class="inline" method="post" action="/admin/replay">${csrf}<input type="hidden" name="all" value="1"><button class="action" type="submit">Replay all</button></form></h3>
<table class="dead" aria-label="Dead letters"><thead><tr><th>Destination</th><th>Event</th><th>Attempts</th><th>Reason</th><th></th></tr></thead><tbody>${m.dead.slice(0, MAX_DEAD_SHOWN).map(
    (d) =>
      html`<tr data-dead="${d.id}"><td>${m.labels[d.destination] ?? d.destination}</td><td><a class="id" href="/admin?key=${d.key}">${shortKey(d.key)}</a></td><td>${d.attempts}</td><td>${d.last_error}</td><td>${replayForm(d.id, csrf)}</td></tr>`,
  )}</tbody></table>${m.dead.length > MAX_DEAD_SHOWN ? html`<p class="empty">And ${m.dead.length - MAX_DEAD_SHOWN} more: replay all, or find them by their webhook.</p>` : ''}`
}

const MAX_DEAD_SHOWN = 100

const replayForm = (id: number, csrf: Html) =>
  html`<form class="inline" method="post" action="/admin/replay">${csrf}<input type="hidden" name="id" value="${id}"><button class="action" type="submit" data-replay="${id}">Replay</button></form>`

function inboxRow(row: InboxRow, m: OverviewModel, csrf: Html): Html {
  const s = summarize(row, m.timeZone)
  const table = (rows: Html[], label: string) => (rows.length ? html`<table class="params" aria-label="${label}"><tbody>${rows}</tbody></table>` : '')
  const fields = s.fields.map(([key, value]) => html`<tr><th scope="row">${key}</th><td>${key === 'user_id' ? html`<a href="/admin?uid=${encodeURIComponent(value)}">${value}</a>` : value}</td></tr>`)
  if (row.source === 'browser' && s.uid) fields.push(html`<tr><th scope="row">uid</th><td><a href="/admin?uid=${encodeURIComponent(s.uid)}">${s.uid}</a></td></tr>`)
  // Hashes shortened for reading; the whole one is in the title, and the email's is a search link.
  const keys = s.keys.map(([key, hash]) => html`<tr><th scope="row">${key}</th><td><code title="${hash}">${key === 'em' ? html`<a href="/admin?em=${hash}">${hash.slice(0, 16)}…</a>` : `${hash.slice(0, 16)}…`}</code></td></tr>`)
  return html`<li class="row" data-key="${row.key}" data-source="${row.source}">
<div class="event"><strong>${s.event}</strong> <span class="label">${row.source === 'browser' ? 'Browser event' : 'Webhook'}</span> <span class="id">${time(row.receivedAt)} · <a href="/admin?key=${row.key}">${shortKey(row.key)}</a></span></div>
<ul class="outcomes">${row.deliveries.map((d) => delivery(d, m, csrf))}${row.deliveries.length ? '' : html`<li class="empty">No delivery: no destination of this relay takes it.</li>`}</ul>
<div class="details">${table(fields, 'Fields')}${table(keys, 'Match keys, SHA-256')}</div>
${s.hidden ? html`<p class="hidden-fields">${s.hidden} field${s.hidden > 1 ? 's' : ''} kept out by the privacy policy (personal data shows only as the hashed match keys).</p>` : ''}${s.calls?.length ? html`<p class="hidden-fields">Calls: ${s.calls.join(', ')}</p>` : ''}
</li>`
}

const STATUS = { done: ['sent', 'Delivered'], pending: ['waiting', 'Pending'], dead: ['skipped', 'Dead letter'] } as const

function delivery(d: DeliveryRow, m: OverviewModel, csrf: Html): Html {
  const [kind, label] = STATUS[d.status] ?? ['waiting', d.status]
  const answer = vendorAnswer(d.response)
  return html`<li class="destination-outcome" data-destination="${d.destination}" data-status="${d.status}"><span class="to">${m.labels[d.destination] ?? d.destination}</span><div class="what">
<div class="outcome ${kind}"><span class="label">${label}</span> ${d.attempts} attempt${d.attempts === 1 ? '' : 's'} · ${time(d.updatedAt)}${d.status === 'dead' ? replayForm(d.id, csrf) : ''}</div>
${d.lastError ? html`<div class="outcome">${d.lastError}</div>` : ''}
${answer.fbtraceId ? html`<div class="answer">fbtrace_id <code data-fbtrace-id>${answer.fbtraceId}</code></div>` : ''}
${answer.validationMessages ? html`<div class="answer">GA4 validation: ${answer.validationMessages.length ? html`<ul class="messages">${answer.validationMessages.map((v) => html`<li data-validation><code>${v.validationCode ?? ''}</code> ${v.fieldPath ? html`<code>${v.fieldPath}</code> ` : ''}${v.description ?? ''}</li>`)}</ul>` : 'no message, the event is valid'}</div>` : ''}
${d.response ? html`<details class="vendor"><summary>vendor answer</summary><code>${d.response}</code></details>` : ''}
</div></li>`
}
