import net from 'node:net';
import type { Server } from 'node:http';

/** A loopback port nothing listens on right now (for a process that must be told its port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts `app` (an Express app) on a free port; answers the server and its loopback base URL. */
export async function listenOnFreePort(app: {
  listen: (port: number) => Server;
}): Promise<{ server: Server; baseUrl: string }> {
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  return { server, baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}
