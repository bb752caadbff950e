import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts', '*.tmp.test.ts'],
    restoreMocks: true,
  },
})
