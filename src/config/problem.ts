/** One thing wrong in a config, at its JSON path (`destinations.ga4.measurementId`). */
export interface Problem {
  path: string
  message: string
}

/** Problems as the console and the CLI print them: `path: message`, one a line. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n')
}
