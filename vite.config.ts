import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The Propsync server the dev server forwards API calls to (the one `npm start` runs). */
const apiTarget = process.env.PROPSYNC_API_URL ?? 'http://localhost:4000';

/**
 * Builds the demo host and the embeddable client from `client/` into `dist/client`, which the
 * Express server serves with an SPA fallback. Storybook reuses this config but sets its own root.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./client', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/trpc': apiTarget,
      '/healthz': apiTarget,
      '/demo': apiTarget,
    },
  },
});
