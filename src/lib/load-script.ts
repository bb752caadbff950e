/** Adds an async script once per URL; works in `<head>` before `<body>` exists. */
export function loadScript(document: Document, src: string, nonce?: string): HTMLScriptElement {
  const existing = Array.from(document.scripts).find((script) => script.src === src)
  if (existing) return existing
  const script = document.createElement('script')
  script.async = true
  script.src = src
  if (nonce) script.setAttribute('nonce', nonce)
  ;(document.head ?? document.documentElement).appendChild(script)
  return script
}
