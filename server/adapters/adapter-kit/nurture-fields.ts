import { clearsHotLead, type OutboundActivity } from '../../core/ports/crm-adapter.ts';

/**
 * The record fields a CRM keeps Propsync's nurture values in: the engagement score and when it was
 * computed, the hot-lead flag and since when. `clearedKeepsTime: false` where clearing the flag
 * sends the flag alone (the CRM keeps no time for a cleared flag).
 */
export type NurtureFields = {
  score: string;
  scoredAt: string;
  hotLead: string;
  hotLeadAt: string;
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
    return { [fields.score]: score(), [fields.scoredAt]: activity.occurredAt };
  }
  if (!clearsHotLead(activity)) return { [fields.hotLead]: true, [fields.hotLeadAt]: activity.occurredAt };
  return fields.clearedKeepsTime === false
    ? { [fields.hotLead]: false }
    : { [fields.hotLead]: false, [fields.hotLeadAt]: null };
}
