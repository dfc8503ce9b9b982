/**
 * The React host: a Vite app importing `@propsync/embed` as a host would after
 * `npm install @propsync/embed`. Here the name points at this repository's build (`npm run
 * build:embed`). Its dev server also plays the host's backend: `/api/propsync-token`.
 * HOST (default localhost), PORT (default 5173), PROPSYNC_URL (default http://localhost:4000), PROPSYNC_TOKEN_SECRET.
 */
import fs from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { tokenEndpoint } from '../host-backend/embed-token.mjs';

const here = import.meta.dirname;
const repositoryRoot = path.resolve(here, '../..');
const embedPackage = path.join(repositoryRoot, 'dist/embed');
const propsyncUrl = (process.env.PROPSYNC_URL ?? 'http://localhost:4000').replace(/\/+$/, '');

if (!fs.existsSync(path.join(embedPackage, 'index.js'))) {
  throw new Error('No dist/embed/index.js: run npm run build:embed first');
}

export default defineConfig({
  root: here,
  plugins: [
    react(),
    {
      name: 'example-host-backend',
      configureServer(server) {
        const token = tokenEndpoint({ secret: process.env.PROPSYNC_TOKEN_SECRET, propsyncUrl });
        server.middlewares.use('/api/propsync-token', (request, response) => void token(request, response));
      },
    },
  ],
  define: { 'import.meta.env.VITE_PROPSYNC_URL': JSON.stringify(propsyncUrl) },
  resolve: {
    alias: [
      { find: /^@propsync\/embed\/styles\.css$/, replacement: path.join(embedPackage, 'propsync.css') },
      { find: /^@propsync\/embed$/, replacement: path.join(embedPackage, 'index.js') },
    ],
    dedupe: ['react', 'react-dom'],
  },
  server: {
    host: process.env.HOST ?? 'localhost',
    port: Number(process.env.PORT ?? 5173),
    strictPort: true,
    fs: { allow: [repositoryRoot] },
  },
  logLevel: 'warn',
});
