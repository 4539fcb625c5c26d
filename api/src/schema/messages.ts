/** The message log's part of the schema: listing with filters, quota, live delivery events. */
export const messageTypeDefs = /* GraphQL */ `
  extend type Query {
    """
    The messages the caller may see, newest first: a user's own; a tenant admin's whole tenant;
    a platform admin's named tenant. first: 1 to 100 (default 20); above 100 fails with
    PAGE_TOO_LARGE. after: an endCursor. tenant: required for a platform admin (one tenant per
    query); others may leave it out or name their own (another is FORBIDDEN).
    """
    messages(
      first: Int = 20
      after: String
      filter: MessageFilter
      tenant: String
    ): MessageConnection!
    """
    The caller's standing in the relay's rolling quota.
    """
    quota: Quota!
  }

  type Subscription {
    """
    An event each time a delivery record of a message the caller may see has been stored (over
    Server-Sent Events). Query the message as soon as the event arrives: it is committed.
    """
    deliveryEvents(tenant: String): DeliveryEvent!
  }

  """
  Narrows messages; every field given must match. Text fields: at most 256 characters.
  """
  input MessageFilter {
    """
    An envelope recipient's whole address, case-insensitively.
    """
    recipient: String
    """
    An envelope recipient's domain, case-insensitively (a leading @ is ignored).
    """
    recipientDomain: String
    """
    Any of these statuses.
    """
    status: [MessageStatus!]
    """
    Submitted strictly after this instant.
    """
    submittedAfter: DateTime
    """
    Submitted strictly before this instant; must be later than submittedAfter.
    """
    submittedBefore: DateTime
    """
    The relay's queue id.
    """
    queueId: ID
    """
    A receiving server's queue id, from its end-of-data reply.
    """
    remoteQueueId: String
    """
    The Message-ID header, with or without angle brackets.
    """
    messageId: String
    """
    The subject starts with this text, case-insensitively.
    """
    subjectPrefix: String
    """
    The envelope sender exactly; the empty string is the null sender <>.
    """
    sender: String
  }

  """
  Messages sent in the rolling window (24 hours unless configured) against the limit.
  """
  type Quota {
    used: Int!
    limit: Int!
    """
    When the next message may be sent: now when a slot is free.
    """
    nextFreeSlot: DateTime!
  }

  """
  One delivery record stored: one connection to one recipient domain's MX.
  """
  type DeliveryEvent {
    queueId: ID!
    attemptId: ID!
    domain: String!
    outcome: AttemptOutcome!
    """
    The message's status once this record was stored.
    """
    status: MessageStatus!
    storedAt: DateTime!
    """
    The message as stored now; null if it has since been deleted.
    """
    message: Message
  }
`;
