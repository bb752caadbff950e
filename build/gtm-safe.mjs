import { tokenizer } from 'acorn'

/**
 * GTM reads `{{Name}}` in a Custom HTML tag as a variable reference and refuses unknown names,
 * so `{{` inside string literals becomes `{\x7b` (the same string at run time). The build fails
 * if `{{` or `</script` is left anywhere, since either would break the pasted tag.
 */
export function gtmSafe() {
  return {
    name: 'gtm-safe',
    renderChunk(code) {
      const edits = []
      for (const token of tokenizer(code, { ecmaVersion: 5 })) {
        if (token.type.label !== 'string') continue
        const raw = code.slice(token.start, token.end)
        const safe = raw.replace(/\{\{/g, '{\\x7b').replace(/<\/script/gi, '<\\/script')
        if (safe !== raw) edits.push({ start: token.start, end: token.end, safe })
      }
      let out = code
      for (const { start, end, safe } of edits.reverse()) out = out.slice(0, start) + safe + out.slice(end)
      if (out.includes('{{') || /<\/script/i.test(out)) this.error('"{{" or "</script" left in the GTM build')
      return { code: out, map: null }
    },
  }
}
