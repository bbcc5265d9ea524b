/**
 * Build of the desktop app (electron-vite 5 / vite 7):
 *   out/main/index.js     Electron main (ES module; package.json has "type": "module")
 *   out/main/worker.js    the job worker entry, run in a utilityProcess / forked Node child
 *   out/main/parallel-worker.js  a worker thread of the engine's data-parallel executor
 *   out/preload/index.cjs the sandboxed preload (sandboxed preloads cannot be ES modules)
 *   out/renderer/         the React app; base './' so it loads from app:// and from the web server
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const r = (p: string) => resolve(root, p);

/**
 * In `electron-vite dev` only: drop the CSP <meta> from index.html. React's fast refresh needs an
 * inline script that a strict meta CSP blocks; in dev, Electron main sends a CSP header that
 * allows it (src/main/security.ts). Built files keep the meta tag untouched.
 */
function dropCspMetaInDev(): Plugin {
  return {
    name: 'robustlab:drop-csp-meta-in-dev',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(/<meta[^>]*http-equiv=["']Content-Security-Policy["'][^>]*>/gi, '');
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: r('out/main'),
      // Everything in package.json "dependencies" stays external (native modules such as
      // better-sqlite3 and the tfjs packages must load from node_modules at run time); the
      // optional native tfjs backends are not in "dependencies", so name them too.
      externalizeDeps: { include: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'] },
      sourcemap: true,
      rollupOptions: {
        input: {
          index: r('src/main/index.ts'),
          worker: r('src/core/jobs/worker-entry.ts'),
          // The engine's data-parallel worker threads (src/core/engine/parallel.ts finds it here).
          'parallel-worker': r('src/core/engine/parallel-worker.ts'),
        },
        output: {
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: r('out/preload'),
      // The preload imports only `electron`; nothing else may be left as a require().
      externalizeDeps: false,
      rollupOptions: {
        input: { index: r('src/preload/index.ts') },
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
          inlineDynamicImports: true,
        },
      },
    },
  },
  renderer: {
    // root: electron-vite's default, src/renderer. Setting it here would send the output of
    // `electron-vite build --outDir out` to src/renderer/out/renderer.
    base: './',
    plugins: [react(), dropCspMetaInDev()],
    build: {
      outDir: r('out/renderer'),
      emptyOutDir: true,
      minify: 'esbuild',
      chunkSizeWarningLimit: 1000,
      rollupOptions: {
        input: r('src/renderer/index.html'),
      },
    },
  },
});
