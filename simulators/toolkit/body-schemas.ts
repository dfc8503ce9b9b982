import type { Request } from 'express';
import { z } from 'zod';

/**
 * Pieces of request-body validation every CRM's API repeats: the CRM keeps its own schemas and
 * error shape, and builds them from these.
 */

/** An email address as the CRMs check it: something@domain.tld, no spaces. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A string of at most `max` characters. */
export const maxText = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** A webhook receiver's address: absolute, http or https. */
export const webhookUrlSchema = z
  .string()
  .url('must be an absolute URL')
  .refine((value) => /^https?:\/\//i.test(value), 'must be an http(s) URL');

/** Where in the body a zod issue is (`people.0.surname`), or `root` for the body as a whole. */
export const issuePath = (issue: z.core.$ZodIssue, root = 'body'): string =>
  issue.path.length === 0 ? root : issue.path.map(String).join('.');

/** The absolute URL of a resource on this host (Location headers). */
export function locationOf(request: Request, path: string): string {
  return `${request.protocol}://${request.get('host') ?? 'localhost'}${path}`;
}
