/** The GraphQL operations of the console and the shapes of their answers. */

export type MessageStatus =
  'PENDING' | 'DEFERRED' | 'DELIVERED' | 'BOUNCED' | 'PARTIAL' | 'EXPIRED';
export const MESSAGE_STATUSES: readonly MessageStatus[] = [
  'PENDING',
  'DEFERRED',
  'DELIVERED',
  'BOUNCED',
  'PARTIAL',
  'EXPIRED',
];

export interface ConsoleSettings {
  readonly displayName: string;
  readonly tenant: string | null;
  readonly smtpHost: string;
  readonly startTlsPort: number;
  readonly tlsPort: number;
  readonly dailyLimit: number;
  readonly retentionDays: number;
}

export interface Account {
  readonly id: string;
  readonly tenant: string;
  readonly address: string;
  readonly role: 'USER' | 'TENANT_ADMIN';
  readonly confirmations: boolean;
  /** False while an open sign-up waits for its address to be confirmed through the mailed link. */
  readonly verified: boolean;
}

const ACCOUNT = 'id tenant address role confirmations verified';

export const SETTINGS_QUERY = `query ConsoleSettings {
  consoleSettings { displayName tenant smtpHost startTlsPort tlsPort dailyLimit retentionDays }
}`;

export const ME_QUERY = `query Me { me { kind user { ${ACCOUNT} } } }`;

export const SIGN_IN = `mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { expiresAt user { ${ACCOUNT} } }
}`;

/** Always true, whatever the address: the API mails a link and never says who has an account. */
export const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) }`;

/** Activates the account of a mailed verification link, once (INVALID_TOKEN after). */
export const VERIFY_ADDRESS = `mutation VerifyAddress($token: String!) {
  verifyAddress(token: $token) { ${ACCOUNT} }
}`;

export const SIGN_OUT = `mutation SignOut { signOut }`;

export const REQUEST_RESET = `mutation RequestReset($address: String!) {
  requestPasswordReset(address: $address)
}`;

export const FORGOT_USERNAME = `mutation ForgotUsername($address: String!) {
  forgotUsername(address: $address)
}`;

export const RESET_PASSWORD = `mutation ResetPassword($token: String!, $newPassword: String!) {
  resetPassword(token: $token, newPassword: $newPassword)
}`;

export const CHANGE_PASSWORD = `mutation ChangePassword($current: String!, $next: String!) {
  changePassword(currentPassword: $current, newPassword: $next)
}`;

export const SET_CONFIRMATIONS = `mutation SetConfirmations($enabled: Boolean!) {
  setConfirmations(enabled: $enabled) { ${ACCOUNT} }
}`;

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export const API_TOKENS = `query ApiTokens { apiTokens { id name createdAt lastUsedAt } }`;

export const CREATE_API_TOKEN = `mutation CreateApiToken($name: String!) {
  createApiToken(name: $name) { token apiToken { id name createdAt lastUsedAt } }
}`;

export const REVOKE_API_TOKEN = `mutation RevokeApiToken($id: ID!) { revokeApiToken(id: $id) }`;

export const USERS = `query Users { users { ${ACCOUNT} } }`;

export interface Quota {
  readonly used: number;
  readonly limit: number;
  readonly nextFreeSlot: string;
}

export const QUOTA = `query Quota { quota { used limit nextFreeSlot } }`;

export const SEND_TEST_MESSAGE = `mutation SendTestMessage {
  sendTestMessage { queueId recipient submittedAt }
}`;

export interface MessageSummary {
  readonly queueId: string;
  readonly sender: string;
  readonly subject: string | null;
  readonly submittedAt: string;
  readonly status: MessageStatus;
  readonly recipients: readonly {
    readonly address: string;
    readonly remoteQueueId: string | null;
  }[];
}

export interface MessagePage {
  readonly edges: readonly { readonly node: MessageSummary }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

export const MESSAGES = `query Messages($first: Int!, $after: String, $filter: MessageFilter) {
  messages(first: $first, after: $after, filter: $filter) {
    edges { node { queueId sender subject submittedAt status recipients { address remoteQueueId } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface Reply {
  readonly code: number;
  readonly enhanced: string | null;
  readonly lines: readonly string[];
}

export interface Step {
  readonly kind: string;
  readonly at: string;
  readonly offsetMs: number;
  readonly elapsedMs: number;
  readonly command: string | null;
  readonly reply: Reply | null;
  readonly note: string | null;
}

export interface Tls {
  readonly version: string | null;
  readonly cipher: string | null;
  readonly verified: boolean;
  readonly verifyError: string | null;
  readonly peerSubject: string | null;
  readonly peerIssuer: string | null;
  readonly fingerprint256: string | null;
}

export interface Attempt {
  readonly attemptId: string;
  readonly domain: string;
  readonly attempt: number;
  readonly hostIndex: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly mx: { host: string; ip: string | null; port: number; preference: number | null } | null;
  readonly tls: Tls | null;
  readonly outcome: string;
  readonly remoteQueueId: string | null;
  readonly error: string | null;
  readonly steps: readonly Step[];
}

export interface RecipientDetail {
  readonly address: string;
  readonly status: string;
  readonly remoteQueueId: string | null;
  readonly reason: string | null;
  readonly lastReply: Reply | null;
}

export interface MessageDetail {
  readonly queueId: string;
  readonly sender: string;
  readonly messageId: string | null;
  readonly subject: string | null;
  readonly size: number;
  readonly sha256: string;
  readonly submittedAt: string;
  readonly status: MessageStatus;
  readonly recipients: readonly RecipientDetail[];
  readonly attempts: readonly Attempt[];
}

const REPLY = 'code enhanced lines';

export const MESSAGE = `query Message($queueId: ID!) {
  message(queueId: $queueId) {
    queueId sender messageId subject size sha256 submittedAt status
    recipients { address status remoteQueueId reason lastReply { ${REPLY} } }
    attempts {
      attemptId domain attempt hostIndex startedAt endedAt outcome remoteQueueId error
      mx { host ip port preference }
      tls { version cipher verified verifyError peerSubject peerIssuer fingerprint256 }
      steps { kind at offsetMs elapsedMs command note reply { ${REPLY} } }
    }
  }
}`;

export const TRANSCRIPT_TEXT = `query TranscriptText($queueId: ID!) {
  message(queueId: $queueId) { transcriptText }
}`;

export const TRANSCRIPT_JSON = `query TranscriptJson($queueId: ID!) {
  message(queueId: $queueId) { transcriptJson }
}`;

/** The subscription the list listens to over Server-Sent Events (GET, so EventSource works). */
export const DELIVERY_EVENTS = 'subscription DeliveryEvents { deliveryEvents { queueId status } }';
