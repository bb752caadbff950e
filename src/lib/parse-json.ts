import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser'

/** jsonc-parser's error codes, as a person reads them. */
const WORDS: Partial<Record<string, string>> = {
  ValueExpected: 'expected a value',
  CommaExpected: 'expected a comma',
  ColonExpected: 'expected a colon',
  PropertyNameExpected: 'expected a property name in double quotes',
  CloseBraceExpected: 'expected }',
  CloseBracketExpected: 'expected ]',
  EndOfFileExpected: 'expected the end of the file',
  UnexpectedEndOfString: 'a string is not closed',
  InvalidSymbol: 'unexpected character',
  InvalidCharacter: 'invalid character in a string',
  InvalidEscapeCharacter: 'invalid escape in a string',
}

/**
 * JSON.parse, with the error's place given as line and column. V8 names the place for some
 * errors only ("at position 12"); for the others jsonc-parser, which reports every error with its
 * offset, finds it. The error never quotes the text (V8's messages without a place do): the relay
 * answers with it, and a webhook's text can hold an email or a phone number.
 */
export function parseJsonWithPosition(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) }
  } catch (error) {
    const errors: ParseError[] = []
    try {
      parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false })
    } catch {
      // Nested past its stack ("[" 100,000 times): it finds no place.
    }
    // The README's examples carry // notes to explain each key: copied as they are, they are the likeliest mistake.
    const comment = errors.find(({ error }) => printParseErrorCode(error) === 'InvalidCommentToken')
    if (comment) return { error: `a comment at ${lineAndColumn(text, comment.offset)}: JSON has none (remove the // and /* */ notes)` }
    // V8's messages with a place are its own words; those without quote the text
    // (`Unexpected token 'a', "ada@exampl"... is not valid JSON`), and are never shown.
    const message = (error as Error).message
    const place = /(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(message)
    if (place && !message.includes('"')) return { error: `${message.slice(0, place.index)} at ${lineAndColumn(text, Number(place[1]))}` }
    const first = errors[0]
    if (!first) return { error: message === 'Unexpected end of JSON input' ? message : 'not JSON, nested too deeply to say where' }
    const code = printParseErrorCode(first.error)
    return { error: `${WORDS[code] ?? code} at ${lineAndColumn(text, first.offset)}` }
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${(before[before.length - 1] as string).length + 1}`
}
