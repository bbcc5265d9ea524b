#!/usr/bin/env node
// The `robustlab` command: runs the TypeScript sources through tsx, so it works right after
// `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before leaving.
process.stdout.write('', () => process.exit(code));
