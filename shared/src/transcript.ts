import { z } from 'zod';
import { InvalidRecordError } from './errors.ts';
import { TENANT_ID } from './subjects.ts';

/**
 * The transcript record: one per connection the relay opened (or tried to open) to a recipient's
 * mail server while delivering one queued message. The relay publishes it to JetStream; the API
 * stores it and serves it. `schema` changes only when a field changes meaning.
 */
export const TRANSCRIPT_SCHEMA_VERSION = 1;

/** One SMTP reply as received: the three-digit code and every line, whole, in order. */
export const replySchema = z.object({
  code: z.number().int().min(200).max(599),
  /** RFC 3463 enhanced status code from the first line, when the server sent one. */
  enhanced: z.string().nullable(),
  /**
   * Each reply line with its code and separator (`250-`, `250 `), decoded as UTF-8 for display:
   * bytes that are not UTF-8 become U+FFFD here (and only here), so the text is always valid
   * Unicode for JSON and GraphQL. `raw` keeps the exact bytes.
   */
  lines: z.array(z.string()).min(1),
  /**
   * The reply exactly as received, line terminators included, base64-encoded. Absent when the
   * bytes could not be captured (then `lines` is the client library's reading of them).
   */
  raw: z.base64().optional(),
});
export type Reply = z.infer<typeof replySchema>;

export const STEP_KINDS = [
  'connect',
  'banner',
  'ehlo',
  'helo',
  'starttls',
  'tls',
  'mail',
  'rcpt',
  'data',
  'message',
  'rset',
  'quit',
  'command',
  'error',
  'note',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/**
 * One exchange of the conversation. A step holds what the relay sent (`command`), what came back
 * (`reply`), or a `note` for events without SMTP text (TCP connect, TLS handshake, errors). A
 * `note` step records what the relay decided without the server (the TLS policy that applied, a
 * reused connection).
 */
export const stepSchema = z.object({
  kind: z.enum(STEP_KINDS),
  /** Wall-clock time the step started, ISO 8601 with milliseconds. */
  at: z.iso.datetime(),
  /** Milliseconds from the start of this connection to the step's start. */
  offsetMs: z.number().nonnegative(),
  /** Milliseconds the step took (command sent until reply complete). */
  elapsedMs: z.number().nonnegative(),
  /** The command line as sent, without CRLF; AUTH secrets masked, message content never. */
  command: z.string().nullable(),
  reply: replySchema.nullable(),
  note: z.string().nullable(),
});
export type TranscriptStep = z.infer<typeof stepSchema>;

export const tlsSchema = z.object({
  version: z.string().nullable(),
  cipher: z.string().nullable(),
  /** Whether the peer certificate chained to a trusted CA and matched the MX host name. */
  verified: z.boolean(),
  verifyError: z.string().nullable(),
  peerSubject: z.string().nullable(),
  peerIssuer: z.string().nullable(),
  /** SHA-256 fingerprint of the peer certificate, colon-separated hex. */
  fingerprint256: z.string().nullable(),
});
export type TlsInfo = z.infer<typeof tlsSchema>;

export const RECIPIENT_STATUSES = ['delivered', 'deferred', 'bounced'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export const recipientOutcomeSchema = z.object({
  address: z.string(),
  status: z.enum(RECIPIENT_STATUSES),
  /** The reply that decided this recipient: its RCPT reply, or the end-of-data reply. */
  reply: replySchema.nullable(),
  /** Why the relay decided without a reply from this server (DNS failure, null MX, …). */
  reason: z.string().nullable(),
  /** The server's queue id parsed from the end-of-data reply, when it names one. */
  remoteQueueId: z.string().nullable(),
});
export type RecipientOutcome = z.infer<typeof recipientOutcomeSchema>;

export const messageInfoSchema = z.object({
  /** Envelope sender; the empty string is the null reverse-path `<>`. */
  sender: z.string(),
  /** The SMTP AUTH identity that submitted the message. */
  authUser: z.string(),
  /** Message-ID header, without angle brackets, when present. */
  messageId: z.string().nullable(),
  subject: z.string().nullable(),
  /** Size in octets of the message as queued. */
  size: z.number().int().nonnegative(),
  /** SHA-256 of the message as queued, lowercase hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  submittedAt: z.iso.datetime(),
  /** Every envelope recipient of the message, in submission order. */
  recipients: z.array(z.string()).min(1),
});
export type MessageInfo = z.infer<typeof messageInfoSchema>;

export const mxSchema = z.object({
  host: z.string(),
  /** The address connected to, or null when none could be resolved. */
  ip: z.string().nullable(),
  port: z.number().int().min(1).max(65535),
  /** MX preference, or null for an implicit MX (RFC 5321 section 5.1, A/AAAA fallback). */
  preference: z.number().int().nullable(),
});

export const POLICY_MODES = ['enforce', 'testing'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/**
 * The recipient domain's TLS policy that applied to a connection: an MTA-STS policy (RFC 8461)
 * in `enforce` mode (TLS with a verified certificate, from an MX the policy names, or no
 * delivery) or `testing` mode (delivered as usual; a would-be failure is noted in the steps).
 */
export const policySchema = z.object({
  kind: z.literal('mta-sts'),
  mode: z.enum(POLICY_MODES),
  /** The policy's id from the `_mta-sts` TXT record. */
  id: z.string(),
  /** The policy's `mx` patterns, as published (`*.example.net` matches one label). */
  mx: z.array(z.string()),
});
export type TlsPolicy = z.infer<typeof policySchema>;

export const ATTEMPT_OUTCOMES = ['delivered', 'partial', 'deferred', 'bounced'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export const transcriptSchema = z.object({
  schema: z.literal(TRANSCRIPT_SCHEMA_VERSION),
  /** Unique per record; the JetStream message id, so a re-publish is stored once. */
  attemptId: z.string().min(1).max(128),
  tenant: z.string().regex(TENANT_ID),
  queueId: z.string().min(1).max(64),
  message: messageInfoSchema,
  /** The recipient domain this connection served. */
  domain: z.string(),
  /** 1 for the first delivery of this queue entry to this domain, 2 for the first retry, … */
  attempt: z.number().int().positive(),
  /** 0 for the first MX host tried within the attempt, 1 for the next, … */
  hostIndex: z.number().int().nonnegative(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  mx: mxSchema.nullable(),
  tls: tlsSchema.nullable(),
  steps: z.array(stepSchema),
  recipients: z.array(recipientOutcomeSchema).min(1),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  /** End-of-data reply when the message was accepted, kept whole. */
  finalReply: replySchema.nullable(),
  remoteQueueId: z.string().nullable(),
  /** Short description of a failure outside SMTP (DNS, connect, TLS, timeout). */
  error: z.string().nullable(),
  /**
   * The OpenTelemetry trace id (32 lowercase hex digits) of the delivery that made this record;
   * absent when tracing was off, and in records made before the field existed.
   */
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  /** The domain's TLS policy when it had one; null (or absent in older records) when not. */
  policy: policySchema.nullable().default(null),
  /**
   * An earlier run of this attempt sent the message to its end of data and its outcome was
   * never saved (the relay stopped): the server may hold a copy from that run as well.
   */
  possibleDuplicate: z.boolean().default(false),
});
export type Transcript = z.infer<typeof transcriptSchema>;

/** Validates a record received over NATS; throws InvalidRecordError naming every problem. */
export function parseTranscript(data: unknown): Transcript {
  const result = transcriptSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidRecordError('transcript', issues);
  }
  return result.data;
}
