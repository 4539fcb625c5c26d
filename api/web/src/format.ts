/** A time for a person, in the browser's locale and time zone. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** A status enum value as a word: `DELIVERED` → `delivered`. */
export function formatStatus(status: string): string {
  return status.toLowerCase().replaceAll('_', ' ');
}

/** How long until `iso`, roughly: `now`, `in 5 minutes`, `in 3 hours`. */
export function formatUntil(iso: string, now: number = Date.now()): string {
  const ms = new Date(iso).getTime() - now;
  if (!(ms > 30_000)) return 'now';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  return `in ${hours} hour${hours === 1 ? '' : 's'}`;
}
