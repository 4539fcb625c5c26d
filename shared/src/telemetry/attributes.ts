/**
 * Span names, one per step of Zajoni's work. The README lists them with their attributes.
 * Low cardinality on purpose: ids go in attributes, never in names.
 */
export const SPAN = {
  smtpSession: 'submission.session',
  smtpAuth: 'submission.auth',
  submitMessage: 'submission.message',
  quotaCheck: 'quota.check',
  quotaReserve: 'quota.reserve',
  queuePublish: 'queue.publish',
  deliveryRound: 'delivery.round',
  deliveryAttempt: 'delivery.attempt',
  mxLookup: 'delivery.mx_lookup',
  smtpConnection: 'smtp.connection',
  smtpConnect: 'smtp.connect',
  smtpBanner: 'smtp.banner',
  smtpTls: 'smtp.tls',
  /** One span per command; the name is `smtp <VERB>`, e.g. `smtp RCPT`. */
  smtpCommandPrefix: 'smtp',
  /** The message written after DATA's 354, until the reply to the final dot. */
  smtpEndOfData: 'smtp.end_of_data',
  transcriptPublish: 'transcript.publish',
  ingestTranscript: 'ingest.transcript',
  ingestStore: 'ingest.store',
} as const;

/**
 * Zajoni's own attributes, where OpenTelemetry's semantic conventions have none. None carries
 * message content, a password or a whole mail address: domains and ids only.
 */
export const ZAJONI_ATTR = {
  tenant: 'zajoni.tenant',
  /** The relay's queue id of the message (a ULID). */
  queueId: 'zajoni.queue_id',
  /** Kind of queue entry: message, confirmation, failure-notice, account-notice. */
  queueKind: 'zajoni.queue_kind',
  /** Delivery round: 1 at submission, +1 per retry. */
  attempt: 'zajoni.attempt',
  /** The transcript record's id: one connection to one MX. */
  attemptId: 'zajoni.attempt_id',
  /** One recipient domain (delivery spans). */
  recipientDomain: 'zajoni.recipient_domain',
  /** Every recipient domain of a message, deduplicated (submission spans). */
  recipientDomains: 'zajoni.recipient_domains',
  recipientCount: 'zajoni.recipient_count',
  /** The receiving server's queue id from its end-of-data reply. */
  remoteQueueId: 'zajoni.remote_queue_id',
  /** delivered | partial | deferred | bounced, or accepted | refused for submission steps. */
  outcome: 'zajoni.outcome',
  /** Size of the message as queued, in octets. */
  messageSize: 'zajoni.message_size',
  /** SMTP reply code of a command or of a refusal. */
  smtpReplyCode: 'zajoni.smtp.reply_code',
  /** RFC 3463 enhanced status code of that reply, when given. */
  smtpEnhancedCode: 'zajoni.smtp.enhanced_code',
  /** JetStream delivery count of the queue entry or transcript (1 = first delivery). */
  deliveryCount: 'zajoni.delivery_count',
  /** MX preference of the host connected to. */
  mxPreference: 'zajoni.mx.preference',
  /** Why a span has a link: `retry-of` points at the delivery round that deferred the message. */
  linkReason: 'zajoni.link_reason',
} as const;

/** Semantic-convention attribute names Zajoni sets (messaging and network are incubating). */
export const SEMCONV = {
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestination: 'messaging.destination.name',
  messagingMessageId: 'messaging.message.id',
  messagingConsumerGroup: 'messaging.consumer.group.name',
  messagingBodySize: 'messaging.message.body.size',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  networkPeerAddress: 'network.peer.address',
  networkPeerPort: 'network.peer.port',
  networkProtocolName: 'network.protocol.name',
  tlsProtocolVersion: 'tls.protocol.version',
  tlsCipher: 'tls.cipher',
  dnsQuestionName: 'dns.question.name',
  errorType: 'error.type',
} as const;
