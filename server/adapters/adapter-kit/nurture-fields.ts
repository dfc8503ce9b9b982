import { clearsHotLead, type OutboundActivity } from '../../core/ports/crm-adapter.ts';

/**
 * The record fields a CRM keeps Propsync's nurture values in, each as `[value field, time field]`:
 * the engagement score and when it was computed, the hot-lead flag and since when.
 * `clearedKeepsTime: false` where clearing the flag sends the flag alone.
 */
export type NurtureFields = {
  score: readonly [string, string];
  hotLead: readonly [string, string];
  clearedKeepsTime?: false;
};

/**
 * The values an engagement score or a hot-lead write (set or cleared) puts in those fields; `score`
 * gives the score value as this CRM stores it, read only for a score write.
 */
export function nurtureFieldValues(
  activity: OutboundActivity,
  fields: NurtureFields,
  score: () => unknown,
): Record<string, unknown> {
  if (activity.kind === 'engagement_score') {
    const [value, time] = fields.score;
    return { [value]: score(), [time]: activity.occurredAt };
  }
  const [flag, since] = fields.hotLead;
  if (!clearsHotLead(activity)) return { [flag]: true, [since]: activity.occurredAt };
  return fields.clearedKeepsTime === false ? { [flag]: false } : { [flag]: false, [since]: null };
}
