/**
 * Command-line switches of the desktop app. Runs in: Electron main (pure, no electron import).
 */

/**
 * The value of `--lab DIR` or `--lab=DIR` in argv, or undefined. Chromium parses `--lab DIR`
 * as a valueless switch plus a positional argument, so this reads process.argv itself.
 */
export function labSwitch(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg === '--lab') {
      const next = argv[i + 1];
      return next && !next.startsWith('--') ? next : undefined;
    }
    if (arg.startsWith('--lab=')) return arg.slice('--lab='.length) || undefined;
  }
  return undefined;
}
