import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The embeddable component library: `client/src/lib/index.ts` as one ES module in `dist/lib`,
 * with its stylesheet beside it. React is the host's (a peer): two Reacts in one page break hooks.
 * Everything else (React Query, the tRPC client, the virtualiser) is bundled, so the library keeps
 * its own query cache whatever the host uses. Type declarations: `tsc -p tsconfig.lib.json`.
 */
export default defineConfig({
  plugins: [react()],
  // Nothing from the demo host's public folder belongs in the library.
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('./dist/lib', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: fileURLToPath(new URL('./client/src/lib/index.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'propsync.js',
      cssFileName: 'propsync',
    },
    rolldownOptions: {
      external: [/^react($|\/)/, /^react-dom($|\/)/],
    },
  },
});
