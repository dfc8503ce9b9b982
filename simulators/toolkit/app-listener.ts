import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { createServer } from 'node:http';

/** A running HTTP server and how to stop it. */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  server: Server;
  /** Stops listening and destroys open (keep-alive or held) connections, so tests never hang. */
  close(): Promise<void>;
}

/**
 * Runs an express app (or any request listener) standalone or in-process. Port 0 picks a free
 * port; the default host is loopback so a sandbox is not exposed by accident.
 */
export async function listen(app: RequestListener, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const server = createServer(app);
  // Simulators may hold requests open on purpose (timeout faults): never let Node time them out.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
