/**
 * End-to-end tests. Two projects:
 *   web       the web mode in the system Chromium (no `playwright install`: this lab is offline)
 *   electron  the built desktop app through Playwright's Electron support
 * Both need `npm run build` first (out/).
 */
import { defineConfig } from '@playwright/test';

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  timeout: 180_000,
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  use: {
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'web',
      testMatch: /test[\\/]e2e[\\/]web[^\\/]*\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        screenshot: 'on',
        launchOptions: {
          executablePath: chromium,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
        },
      },
    },
    {
      name: 'electron',
      testMatch: /test[\\/]e2e[\\/]electron[^\\/]*\.spec\.ts$/,
    },
  ],
});
