/**
 * The plain-HTML host: one page, the script-tag build of Propsync's web component, and the host's
 * token endpoint. `node examples/host-html/server.mjs` (after `npm run build:embed`).
 * HOST (default localhost), PORT (default 5174), PROPSYNC_URL (default http://localhost:4000), PROPSYNC_TOKEN_SECRET.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { tokenEndpoint } from '../host-backend/embed-token.mjs';

const here = import.meta.dirname;
const embedBuild = path.resolve(here, '../../dist/embed/propsync-embed.iife.js');
const port = Number(process.env.PORT ?? 5174);
const propsyncUrl = (process.env.PROPSYNC_URL ?? 'http://localhost:4000').replace(/\/+$/, '');
if (!fs.existsSync(embedBuild)) {
  console.error(`No ${path.relative(process.cwd(), embedBuild)}: run npm run build:embed first`);
  process.exit(1);
}
const token = tokenEndpoint({ secret: process.env.PROPSYNC_TOKEN_SECRET, propsyncUrl });
const page = fs.readFileSync(path.join(here, 'index.html'), 'utf8').replaceAll('%PROPSYNC_URL%', propsyncUrl);

http
  .createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://host');
    if (url.pathname === '/api/propsync-token') return void token(request, response);
    if (url.pathname === '/propsync-embed.iife.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return void fs.createReadStream(embedBuild).pipe(response);
    }
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void response.end(page);
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  })
  .listen(port, process.env.HOST ?? 'localhost', () =>
    console.log(`host-html on http://localhost:${port}, embedding Propsync at ${propsyncUrl}`),
  );
