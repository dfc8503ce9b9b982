const countFormat = new Intl.NumberFormat('en-GB');
const relativeFormat = new Intl.RelativeTimeFormat('en-GB', { numeric: 'auto' });
const absoluteFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** "1 contact", "1,000 contacts". */
export function formatContactCount(count: number): string {
  return `${countFormat.format(count)} ${count === 1 ? 'contact' : 'contacts'}`;
}

/** "Every 15 minutes", "Every hour", "Every 2 hours". */
export function formatSyncInterval(minutes: number): string {
  if (minutes % 60 === 0) {
    const hours = minutes / 60;
    return hours === 1 ? 'Every hour' : `Every ${hours} hours`;
  }
  return minutes === 1 ? 'Every minute' : `Every ${minutes} minutes`;
}

const RELATIVE_STEPS: ReadonlyArray<{ unit: Intl.RelativeTimeFormatUnit; seconds: number }> = [
  { unit: 'day', seconds: 86_400 },
  { unit: 'hour', seconds: 3_600 },
  { unit: 'minute', seconds: 60 },
];

/** "just now", "5 minutes ago", "yesterday"; past a week, the date itself. */
export function formatRelativeTime(iso: string, now: Date): string {
  const then = new Date(iso);
  const elapsedSeconds = (now.getTime() - then.getTime()) / 1000;
  if (Number.isNaN(elapsedSeconds)) return 'unknown';
  // Small clock differences between server and browser should not read as "in 3 seconds".
  if (elapsedSeconds < 45) return 'just now';
  if (elapsedSeconds >= 7 * 86_400) return absoluteFormat.format(then);
  for (const step of RELATIVE_STEPS) {
    if (elapsedSeconds >= step.seconds) {
      return relativeFormat.format(-Math.round(elapsedSeconds / step.seconds), step.unit);
    }
  }
  return relativeFormat.format(-1, 'minute');
}

/** Full date and time, for tooltips next to relative times. */
export function formatAbsoluteTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : absoluteFormat.format(date);
}
