// Builds the web UI into the server package's dist/ui (run after tsup, which empties dist/).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline polyfill script: the page's CSP allows only our own script files.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
  },
});
