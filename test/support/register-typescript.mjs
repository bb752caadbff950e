// Passed to each test process with --import (vitest.config.ts); worker threads inherit it.
import { register } from 'node:module'

register('./typescript-hooks.mjs', import.meta.url)
