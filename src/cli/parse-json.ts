/** JSON.parse, with the error's position given as line and column. */
export function parseJsonWithPosition(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) }
  } catch (error) {
    const message = (error as Error).message
    const position = /position (\d+)/.exec(message)
    if (!position) return { error: message }
    const offset = Number(position[1])
    const before = text.slice(0, offset).split('\n')
    const line = before.length
    const column = (before[before.length - 1] as string).length + 1
    return { error: `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${column}` }
  }
}
