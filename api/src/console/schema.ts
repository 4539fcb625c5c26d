/** What the web console adds to the schema: its settings, test messages, transcript downloads. */
export const consoleTypeDefs = /* GraphQL */ `
  """
  What the console shows before and after sign-in: branding and the mail client settings.
  """
  type ConsoleSettings {
    """
    The signed-in account's tenant's display name; else the console's tenant's; else Zajoni.
    """
    displayName: String!
    """
    The tenant the sign-up page signs up to: the caller's, else the console's; null when none.
    """
    tenant: String
    """
    Host name of the relay's submission server (SMTP_HOST, else the host the console is on).
    """
    smtpHost: String!
    """
    Submission port with STARTTLS (RFC 6409), usually 587.
    """
    startTlsPort: Int!
    """
    Submission port with implicit TLS (RFC 8314), usually 465.
    """
    tlsPort: Int!
    """
    Messages an account may send per rolling window.
    """
    dailyLimit: Int!
    """
    Days delivery records are kept (the tenant's setting; 90 when unknown).
    """
    retentionDays: Int!
  }

  """
  A test message queued by sendTestMessage: from the account to itself.
  """
  type TestMessage {
    queueId: ID!
    recipient: String!
    submittedAt: DateTime!
  }

  extend type Query {
    """
    The console's settings; needs no sign-in.
    """
    consoleSettings: ConsoleSettings!
  }

  extend type Message {
    """
    Every delivery record of the message as the relay's plain-text transcript (as in a receipt).
    """
    transcriptText: String!
    """
    Every delivery record of the message as stored, a JSON array in the relay's record schema.
    """
    transcriptJson: String!
  }

  extend type Mutation {
    """
    Queue a message from the caller to the caller through the tenant's relay, recorded and
    confirmed like any other; it takes a slot of the quota (RATE_LIMITED with
    retryAfter when none is free).
    """
    sendTestMessage: TestMessage!
  }
`;
