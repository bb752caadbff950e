/**
 * Calls made in the same turn of the event loop, answered by one `run`: it gets every call's
 * argument, in order, and returns one answer for each. Webhooks parsed in one turn then cost one
 * database round trip together rather than one each. A failed `run` fails every call of its turn.
 */
export function sameTurn<A, R>(run: (args: A[]) => Promise<R[]>): (arg: A) => Promise<R> {
  let waiting: { arg: A; resolve: (answer: R) => void; reject: (error: unknown) => void }[] = []
  const flush = async () => {
    const calls = waiting
    waiting = []
    try {
      const answers = await run(calls.map((call) => call.arg))
      calls.forEach((call, i) => call.resolve(answers[i] as R))
    } catch (error) {
      for (const call of calls) call.reject(error)
    }
  }
  return (arg) =>
    new Promise<R>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(() => void flush())
      waiting.push({ arg, resolve, reject })
    })
}
