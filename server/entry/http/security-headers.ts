import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** One year; no `includeSubDomains`, so other services on sibling hosts are not forced onto TLS. */
export const HSTS_HEADER = 'max-age=31536000';

/**
 * Security headers on every answer: helmet's defaults (nosniff, `Referrer-Policy: no-referrer`,
 * COOP/CORP, ...) and a CSP that fits the built demo page (module scripts and stylesheets from
 * this origin, no inline script). `frame-ancestors` names the hosts allowed to frame the page.
 * HSTS only on requests that arrived over TLS (directly, or per `trust proxy` behind a proxy):
 * sent over plain HTTP it would be ignored, and on localhost it would pin the browser to https.
 */
export function securityHeaders(options: { frameAncestors: readonly string[] }): RequestHandler[] {
  const onlySelf = options.frameAncestors.length === 1 && options.frameAncestors[0] === "'self'";
  return [
    helmet({
      contentSecurityPolicy: {
        directives: {
          'frame-ancestors': [...options.frameAncestors],
          // Deployments without TLS (development) must still load their own scripts.
          'upgrade-insecure-requests': null,
        },
      },
      strictTransportSecurity: false,
      // X-Frame-Options cannot name other origins; frame-ancestors alone decides when they are set.
      xFrameOptions: onlySelf ? { action: 'sameorigin' } : false,
    }),
    (request, response, next) => {
      if (request.secure) response.set('strict-transport-security', HSTS_HEADER);
      next();
    },
  ];
}
