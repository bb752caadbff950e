import { version } from '../../package.json'
import { isPlainObject } from '../lib/is-plain-object'

/**
 * A Custom HTML tag for Google Tag Manager: the tag compiled from the config (`build --gtm`: ES5,
 * no `{{`). It forwards to the Meta, GA4 and Segment tags the container already has.
 */
export function gtmSnippet(tag: string): string {
  return ['<script>', `/* popin-bridge ${version}: forwards Popin widget events to the vendors on the page. Fire on All Pages. */`, tag.trim(), '</script>', ''].join('\n')
}

/** The `<script>` line for the drop-in, config inlined, to place after the Popin snippet. */
export function scriptSnippet(config: unknown, src: string): string {
  return [
    '<!-- popin-bridge: place after the Popin snippet -->',
    `<script src="${escapeAttribute(src)}" data-config='${escapeAttribute(JSON.stringify(withoutSchema(config)))}'></script>`,
    '',
  ].join('\n')
}

/** `$schema` only tells editors where the JSON Schema is: a page has no use for it. */
function withoutSchema(config: unknown): unknown {
  if (!isPlainObject(config)) return config
  const { $schema: _editorsOnly, ...rest } = config
  return rest
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
