type Child = Node | string | undefined | false

/** An element with attributes and children; text is always set as text, never parsed as HTML. */
export function h(doc: Document, tag: string, attributes: Record<string, string | undefined> = {}, ...children: (Child | Child[])[]): HTMLElement {
  const element = doc.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value)
  for (const child of children.flat()) if (child) element.append(child)
  return element
}
