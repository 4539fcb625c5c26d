/**
 * NATS names the relay and the API agree on. Tenant ids are DNS labels (see `TENANT_ID`), so
 * they are always a single valid subject token.
 */

/** JetStream stream holding submitted messages waiting for delivery. */
export const QUEUE_STREAM = 'ZAJONI_QUEUE';

/** JetStream stream holding one record per delivery attempt. */
export const TRANSCRIPT_STREAM = 'ZAJONI_TRANSCRIPTS';

/** Object store bucket for message bodies, keyed by queue id. */
export const BODY_BUCKET = 'zajoni-bodies';

/**
 * KV bucket for the bodies that fit in one NATS message, keyed by queue id. A KV value is one
 * message: storing, reading and deleting it is one request each, where the object store needs
 * three to five (its metadata, its chunks through a consumer of their own).
 */
export const SMALL_BODY_BUCKET = 'zajoni-small-bodies';

/** KV bucket with each user's send times in the rolling quota window. */
export const QUOTA_BUCKET = 'zajoni-quota';

/** KV bucket marking queue entries whose delivery finished, so a redelivery is skipped. */
export const DONE_BUCKET = 'zajoni-done';

/** Request/reply subject on which the API checks SMTP AUTH credentials for relays. */
export const AUTH_VERIFY_SUBJECT = 'zajoni.auth.verify';

/** Durable consumer name of the API's transcript ingest. */
export const INGEST_CONSUMER = 'api-ingest';

/** Durable consumer name shared by all relay replicas of one tenant. */
export function deliveryConsumer(tenant: string): string {
  return `relay-${tenant}`;
}

export function queueSubject(tenant: string): string {
  return `zajoni.queue.${tenant}`;
}

export function transcriptSubject(tenant: string): string {
  return `zajoni.transcripts.${tenant}`;
}

export const QUEUE_SUBJECTS = 'zajoni.queue.>';
export const TRANSCRIPT_SUBJECTS = 'zajoni.transcripts.>';

/** RFC 1123 label, as Kubernetes object names: safe as a NATS token and as a Postgres value. */
export const TENANT_ID = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
