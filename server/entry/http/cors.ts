import cors from 'cors';
import { Router, type Request, type Response } from 'express';
import type { AppState } from './app-state.ts';
import { sendError } from './http-errors.ts';

/**
 * Request headers the component library sends to /trpc: the embed token, JSON bodies of
 * mutations, and `trpc-accept` (httpBatchStreamLink asks for JSON lines with it).
 */
export const TRPC_REQUEST_HEADERS = ['authorization', 'content-type', 'trpc-accept'];

/** Browsers may cache a preflight answer this long (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** `GET /embed/origin` answers whether the calling page's origin may use the API. */
export const ORIGIN_CHECK_PATH = '/embed/origin';

function requestOrigin(request: Request): string | null {
  const origin = request.headers.origin;
  return typeof origin === 'string' && origin !== '' && origin !== 'null' ? origin : null;
}

/**
 * Browsers send Origin on same-origin POSTs too; the page Propsync serves itself is always allowed,
 * whether reached directly or through a proxy at PROPSYNC_PUBLIC_URL that rewrites the Host.
 */
function isSameOrigin(state: AppState, origin: string, request: Request): boolean {
  if (!URL.canParse(origin)) return false;
  const publicUrl = state.services?.config.publicUrl;
  return (
    new URL(origin).host === request.headers.host ||
    (publicUrl !== undefined && URL.canParse(publicUrl) && new URL(publicUrl).origin === origin)
  );
}

function isAllowed(state: AppState, origin: string): boolean {
  const allowed = state.services?.config.allowedOrigins ?? [];
  return allowed === '*' || allowed.includes(origin);
}

export function originRefusal(origin: string): string {
  return `Propsync refuses calls from ${origin}: add it to PROPSYNC_ALLOWED_ORIGINS`;
}

const allowCrossOrigin = cors({
  origin: true,
  methods: ['GET', 'POST'],
  allowedHeaders: TRPC_REQUEST_HEADERS,
  // Bearer tokens, never cookies: the browser must not attach Propsync cookies to a host's calls.
  credentials: false,
  maxAge: PREFLIGHT_MAX_AGE_SECONDS,
});

/**
 * Cross-origin access to the API for host pages listed in PROPSYNC_ALLOWED_ORIGINS. Every OPTIONS
 * request to /trpc is answered here (tRPC would answer it 415), and a page on any other origin is
 * refused with a 403 that names the setting to change.
 */
export function apiCors(state: AppState): Router {
  const router = Router();

  router.use('/trpc', (request, response, next) => {
    response.vary('Origin');
    const origin = requestOrigin(request);
    if (!origin || isSameOrigin(state, origin, request)) {
      if (request.method !== 'OPTIONS') return next();
      response.set('Allow', 'GET, POST, OPTIONS').status(204).end();
      return;
    }
    if (!state.services) {
      sendError(response, 503, 'SERVER.STARTING', 'Propsync is starting; try again in a moment');
      return;
    }
    if (!isAllowed(state, origin)) {
      sendError(response, 403, 'REQUEST.ORIGIN_REFUSED', originRefusal(origin));
      return;
    }
    allowCrossOrigin(request, response, next);
  });

  // Readable from any origin, so a refused page can tell "not allowed" from "unreachable".
  router.get(ORIGIN_CHECK_PATH, (request: Request, response: Response) => {
    const origin = requestOrigin(request);
    response.set('Access-Control-Allow-Origin', '*').set('Cache-Control', 'no-store');
    if (!state.services) {
      sendError(response, 503, 'SERVER.STARTING', 'Propsync is starting; try again in a moment');
      return;
    }
    const allowed = !origin || isSameOrigin(state, origin, request) || isAllowed(state, origin);
    response.json({ origin, allowed, ...(allowed || !origin ? {} : { message: originRefusal(origin) }) });
  });

  return router;
}
