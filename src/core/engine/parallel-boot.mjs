// Entry of a parallel-executor worker when the lab runs from its TypeScript sources (tsx, vitest):
// registers tsx in this thread, then loads the worker. The built app runs parallel-worker.js.
import { register } from 'tsx/esm/api';

register();
await import('./parallel-worker.ts');
