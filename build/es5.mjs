import ts from 'typescript'

/**
 * Down-levels a finished chunk to ES5 syntax for GTM's Custom HTML editor, which rejects newer
 * syntax. Built-ins (Map, Object.entries, ...) are left alone: every browser GTM runs in has them.
 */
export function es5({ module = false } = {}) {
  return {
    name: 'es5',
    renderChunk(code) {
      const { outputText } = ts.transpileModule(code, {
        compilerOptions: {
          target: ts.ScriptTarget.ES5,
          module: module ? ts.ModuleKind.ESNext : ts.ModuleKind.None,
          downlevelIteration: true,
          removeComments: true,
          ignoreDeprecations: '5.0',
        },
      })
      // A module (the compiled tag's runtime) keeps its exports: `popin-bridge build` wraps it.
      if (module) return { code: outputText, map: null }
      // TypeScript puts its helpers (`var __assign = ...`) at the top: inside a function they stay
      // out of the page's globals, which a GTM container shares with every other tag.
      return { code: `(function () {\n${outputText}\n})();\n`, map: null }
    },
  }
}
