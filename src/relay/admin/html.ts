/** Text as HTML shows it: every character that could open markup or leave an attribute is escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Markup already escaped: what `html` returns, and the only thing it inserts as it is. */
export class Html {
  constructor(readonly text: string) {}
}

type Part = Html | string | number | undefined | null | false | readonly Part[]

/** A template whose every inserted value is escaped, unless it is Html itself (lists are joined). */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0]!
  parts.forEach((part, i) => (out += render(part) + strings[i + 1]!))
  return new Html(out)
}

function render(part: Part): string {
  if (part instanceof Html) return part.text
  if (Array.isArray(part)) return part.map(render).join('')
  return part === undefined || part === null || part === false ? '' : escapeHtml(String(part))
}
