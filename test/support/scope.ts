/**
 * Whether a test is running (its beforeEach hooks to its afterEach hooks), as test/setup.ts marks
 * it: what helpers make inside a test is removed after that test, what a beforeAll or a file's
 * top level makes is removed after the file.
 */
let running = false

export function markTestRunning(value: boolean): void {
  running = value
}

export function testRunning(): boolean {
  return running
}
