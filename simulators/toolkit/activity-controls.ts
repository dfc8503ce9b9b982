import { z } from 'zod';

/**
 * What every CRM's `/_sim` appointment and offer controls take, whatever the CRM calls its types
 * and statuses: a CRM spreads these into its own schema beside its own fields.
 */
export const appointmentControlShape = {
  contactId: z.string().min(1),
  /** Default: a day from now. */
  start: z.union([z.number(), z.string(), z.date()]).optional(),
  durationMinutes: z.number().int().min(1).optional(),
  propertyId: z.string().optional(),
};
export const offerControlShape = {
  contactId: z.string().min(1),
  amount: z.number().positive().optional(),
  propertyId: z.string().optional(),
};

/**
 * When a booked appointment starts and ends (ms): at `start` (default a day after `now`), lasting
 * `durationMinutes` (default `defaultMinutes`). A `start` that is no date is a `RangeError` (404 at `/_sim`).
 */
export function appointmentSlot(
  booking: { start?: number | string | Date | undefined; durationMinutes?: number | undefined },
  defaultMinutes: number,
  now: number,
): { start: number; end: number } {
  const start = booking.start === undefined ? now + 86_400_000 : new Date(booking.start).getTime();
  if (Number.isNaN(start)) throw new RangeError('start is not a valid date');
  return { start, end: start + (booking.durationMinutes ?? defaultMinutes) * 60_000 };
}
