import { ATTEMPT_OUTCOMES, STEP_KINDS } from '#shared';
import { REPORTED_MESSAGE_STATUSES, STORED_RECIPIENT_STATUSES } from '../messages/status.ts';

/** GraphQL enum value for a contract value: `failure-notice` → `FAILURE_NOTICE`. */
export function toEnumValue(value: string): string {
  return value.replaceAll('-', '_').toUpperCase();
}

// Enums are generated from the shared contract's closed sets, so the schema follows it.
function enumType(name: string, description: string, values: readonly string[]): string {
  return `"""${description}"""\nenum ${name} {\n  ${values.map(toEnumValue).join('\n  ')}\n}`;
}

/** The API's GraphQL schema (SDL). */
export const typeDefs = /* GraphQL */ `
  """
  An instant, as an ISO 8601 string in UTC with milliseconds.
  """
  scalar DateTime

  type Query {
    """
    The caller's account. Fails with UNAUTHENTICATED without valid credentials.
    """
    viewer: Viewer!
    """
    One of the caller's messages; null when it does not exist or belongs to someone else.
    tenant: required for a platform admin; others may only name their own.
    """
    message(queueId: ID!, tenant: String): Message
  }

  """
  The authenticated account.
  """
  type Viewer {
    """
    Mail address, also the SMTP username; domain in lowercase.
    """
    address: String!
    tenant: String!
    """
    Messages this account submitted, newest first. first: 1 to 100 (default 20).
    """
    messages(first: Int = 20, after: String, filter: MessageFilter): MessageConnection!
  }

  type MessageConnection {
    edges: [MessageEdge!]!
    pageInfo: PageInfo!
  }

  type MessageEdge {
    """
    Opaque: pass it as after to get the messages that follow this one.
    """
    cursor: String!
    node: Message!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  """
  A submitted message and what happened to it.
  """
  type Message {
    """
    The relay's queue id.
    """
    queueId: ID!
    """
    Envelope sender (MAIL FROM); empty for the null reverse-path <>.
    """
    sender: String!
    """
    Message-ID header without angle brackets.
    """
    messageId: String
    subject: String
    """
    Size in octets as queued.
    """
    size: Int!
    """
    SHA-256 of the message as queued, lowercase hex.
    """
    sha256: String!
    submittedAt: DateTime!
    status: MessageStatus!
    """
    Envelope recipients in submission order.
    """
    recipients: [Recipient!]!
    """
    Every connection made to deliver it, in the order they started.
    """
    attempts: [Attempt!]!
    """
    OpenTelemetry trace id (32 hex digits) of its journey: submission, delivery and storing, in
    one trace at the operator's tracing backend. Null when the relay did not trace it.
    """
    traceId: String
  }

  """
  A recipient's latest known state.
  """
  type Recipient {
    address: String!
    status: RecipientStatus!
    """
    The receiving server's queue id, from its end-of-data reply.
    """
    remoteQueueId: String
    """
    Why the relay decided without a reply (DNS failure, null MX, …).
    """
    reason: String
    """
    The reply that decided this recipient.
    """
    lastReply: Reply
  }

  """
  An SMTP reply as received.
  """
  type Reply {
    code: Int!
    """
    RFC 3463 enhanced status code, when the server sent one.
    """
    enhanced: String
    """
    Every line with its code and separator, decoded as UTF-8; bytes that are not UTF-8 show as U+FFFD.
    """
    lines: [String!]!
    """
    The reply's exact bytes, CRLFs included, base64-encoded; null when they were not captured.
    """
    raw: String
  }

  """
  One connection to one MX host during one delivery attempt, with its SMTP transcript.
  """
  type Attempt {
    attemptId: ID!
    """
    The recipient domain this connection served.
    """
    domain: String!
    """
    1 for the first delivery to this domain, 2 for the first retry, …
    """
    attempt: Int!
    """
    0 for the first MX host tried within the attempt, 1 for the next, …
    """
    hostIndex: Int!
    startedAt: DateTime!
    endedAt: DateTime!
    mx: Mx
    tls: Tls
    outcome: AttemptOutcome!
    remoteQueueId: String
    """
    End-of-data reply when the message was accepted.
    """
    finalReply: Reply
    """
    A failure outside SMTP (DNS, connect, TLS, timeout).
    """
    error: String
    """
    The recipient domain's TLS policy that applied (MTA-STS); null when it has none.
    """
    policy: TlsPolicy
    """
    True when an earlier run of this attempt sent the message to its end of data and its outcome
    was lost: the server may hold a second copy.
    """
    possibleDuplicate: Boolean!
    steps: [Step!]!
    """
    OpenTelemetry trace id of the delivery that made this record; null when not traced.
    """
    traceId: String
  }

  """
  A domain's MTA-STS policy (RFC 8461) as it applied to one connection.
  """
  type TlsPolicy {
    """
    Always "mta-sts" for now.
    """
    kind: String!
    """
    "enforce" (verified TLS to a listed MX, or no delivery) or "testing" (failures only noted).
    """
    mode: String!
    """
    The policy id from the domain's _mta-sts TXT record.
    """
    id: String!
    """
    The policy's MX host patterns.
    """
    mx: [String!]!
  }

  type Mx {
    host: String!
    """
    Address connected to; null when none could be resolved.
    """
    ip: String
    port: Int!
    """
    MX preference; null for an implicit MX (RFC 5321 section 5.1).
    """
    preference: Int
  }

  type Tls {
    version: String
    cipher: String
    """
    Whether the certificate chained to a trusted CA and matched the MX host name.
    """
    verified: Boolean!
    verifyError: String
    peerSubject: String
    peerIssuer: String
    """
    SHA-256 fingerprint of the peer certificate, colon-separated hex.
    """
    fingerprint256: String
  }

  """
  One exchange of the SMTP conversation.
  """
  type Step {
    kind: StepKind!
    at: DateTime!
    """
    Milliseconds from the start of the connection.
    """
    offsetMs: Float!
    """
    Milliseconds the step took.
    """
    elapsedMs: Float!
    """
    The command as sent, AUTH secrets masked.
    """
    command: String
    reply: Reply
    note: String
  }

  ${enumType(
    'MessageStatus',
    'DELIVERED, BOUNCED, PARTIAL (some of each) are final; DEFERRED (a retry is due) and PENDING (queued, no outcome yet) may change; EXPIRED: still deferred when the relay stopped retrying.',
    REPORTED_MESSAGE_STATUSES,
  )}

  ${enumType('RecipientStatus', 'PENDING until an attempt reports on the recipient.', STORED_RECIPIENT_STATUSES)}

  ${enumType('AttemptOutcome', 'What one connection achieved for its recipients.', ATTEMPT_OUTCOMES)}

  ${enumType('StepKind', 'What a transcript step records.', STEP_KINDS)}
`;
