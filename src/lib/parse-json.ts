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
      // Nested past its stack ("[" 100,000 times): it finds no place; V8's message says what it can.
    }
    // The README's examples carry // notes to explain each key: copied as they are, they are the likeliest mistake.
    const comment = errors.find(({ error }) => printParseErrorCode(error) === 'InvalidCommentToken')
    if (comment) return { error: `a comment at ${lineAndColumn(text, comment.offset)}: JSON has none (remove the // and /* */ notes)` }
    const message = (error as Error).message
    const position = /position (\d+)/.exec(message)
    if (position) return { error: `${message.replace(/ in JSON at position \d+.*$/, '')} at ${lineAndColumn(text, Number(position[1]))}` }
    const first = errors[0]
    // Without a place V8 quotes the text ('Unexpected token 'a', "ada@exampl"... is not valid JSON'): not that part.
    if (!first) return { error: message.replace(/, ".*$/s, '') }
    const code = printParseErrorCode(first.error)
    return { error: `${WORDS[code] ?? code} at ${lineAndColumn(text, first.offset)}` }
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${(before[before.length - 1] as string).length + 1}`
}
