import type { Request, Response } from 'express';
import { z } from 'zod';
import type { FaultMatch } from './fault-controls.ts';

/**
 * What every simulator's `/_sim` control surface accepts for its faults, clock and counts, and how
 * a control action answers bad input (400) or an unknown id (404). Each simulator adds its own
 * data controls (contacts, appointments, offers) on top.
 */
export const CountSchema = z.number().int().min(1).max(1_000_000);
export const MatchShape = { method: z.string().optional(), pathPrefix: z.string().optional() };

export const FaultSettingsSchema = z
  .object({
    latencyMs: z.number().min(0),
    latencyJitterMs: z.number().min(0),
    errorRate: z.number().min(0).max(1),
    errorStatuses: z.array(z.number().int().min(100).max(599)).min(1),
    timeoutRate: z.number().min(0).max(1),
    dropRate: z.number().min(0).max(1),
  })
  .partial();
export const FailNextSchema = z.object({
  count: CountSchema.default(1),
  status: z.number().int().min(100).max(599),
  ...MatchShape,
});
export const OneShotSchema = z.object({ count: CountSchema.default(1), ...MatchShape });
export const WebhookFaultsSchema = z
  .object({
    duplicateRate: z.number().min(0).max(1),
    outOfOrderRate: z.number().min(0).max(1),
    outOfOrderDelayMs: z.number().min(0),
  })
  .partial();
export const AdvanceSchema = z.object({ ms: z.number() });

export function matchOf(input: { method?: string | undefined; pathPrefix?: string | undefined }): FaultMatch {
  return {
    ...(input.method === undefined ? {} : { method: input.method }),
    ...(input.pathPrefix === undefined ? {} : { pathPrefix: input.pathPrefix }),
  };
}

/** Runs a control action; bad input and unknown ids become 400/404 with `{error}`. */
export function handle(
  action: (request: Request, response: Response) => void,
): (request: Request, response: Response) => void {
  return (request, response) => {
    try {
      action(request, response);
    } catch (error) {
      if (error instanceof z.ZodError) {
        response.status(400).json({
          error: 'invalid control request',
          issues: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        });
      } else if (error instanceof RangeError) {
        response.status(404).json({ error: error.message });
      } else {
        throw error;
      }
    }
  };
}
