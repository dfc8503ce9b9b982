import type { RequestHandler } from 'express';
import type { FaultMatch } from '../toolkit/fault-controls.ts';

interface Pending {
  remaining: number;
  match: FaultMatch;
}

/**
 * The fault the shared controls lack: the server handles a request (the write commits) but the
 * answer never reaches the client, which is exactly the case an Idempotency-Key must survive.
 */
export class LostResponses {
  #pending: Pending[] = [];

  /** The next `count` matching requests are handled, then their connection is destroyed. */
  loseNext(count: number, match: FaultMatch = {}): void {
    this.#pending.push({ remaining: count, match });
  }

  get pending(): number {
    return this.#pending.reduce((sum, pending) => sum + pending.remaining, 0);
  }

  clear(): void {
    this.#pending = [];
  }

  middleware(): RequestHandler {
    return (request, response, next) => {
      // Matched against the full path, like the request log records it.
      const path = request.originalUrl.split('?')[0] ?? '';
      const hit = this.#pending.find(
        (pending) =>
          (pending.match.method === undefined || pending.match.method.toUpperCase() === request.method) &&
          (pending.match.pathPrefix === undefined || path.startsWith(pending.match.pathPrefix)),
      );
      if (hit !== undefined) {
        hit.remaining--;
        if (hit.remaining <= 0) this.#pending.splice(this.#pending.indexOf(hit), 1);
        response.end = (() => {
          request.socket.destroy();
          return response;
        }) as typeof response.end;
      }
      next();
    };
  }
}
