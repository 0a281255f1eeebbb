import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      // Three front doors over the same services: the Electron app, browser mode, the CLI.
      rollupOptions: {
        input: {
          index: resolve(root, 'src/main/electron/main.ts'),
          web: resolve(root, 'src/main/web/entry.ts'),
          cli: resolve(root, 'src/main/cli/entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require only `electron`: bundle everything else, as CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { preload: resolve(root, 'src/main/electron/preload.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [react()],
    build: {
      rollupOptions: { input: resolve(root, 'src/renderer/index.html') },
      chunkSizeWarningLimit: 4096,
      // electron-vite leaves the page unminified; minified it parses and compiles in well under
      // half the time, which is most of the wait before the editor takes keys (npm run bench:ui).
      minify: true,
    },
    worker: { format: 'es' },
  },
});
