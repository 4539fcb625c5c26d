import { SIGN_UP_MODES } from '../accounts/tenants.ts';
import { USER_ROLES } from '../accounts/users.ts';
import { CALLER_KINDS } from '../accounts/caller.ts';
import { toEnumValue } from './type-defs.ts';

const values = (list: readonly string[]) => list.map(toEnumValue).join('\n    ');

/**
 * Accounts: tenants, users, sign-in, tokens. Every field authorises its caller: a user acts on
 * itself, a tenant admin on its tenant's users, a platform admin on tenants.
 */
export const accountTypeDefs = /* GraphQL */ `
  """
  OPEN: anyone with an address in a sender domain may sign up. INVITE: tenant admins create accounts.
  """
  enum SignUpMode {
    ${values(SIGN_UP_MODES)}
  }

  """
  USER sees its own mail; TENANT_ADMIN also manages its tenant's users and mail.
  """
  enum UserRole {
    ${values(USER_ROLES)}
  }

  """
  What the caller is: an account (USER, TENANT_ADMIN) or a PLATFORM_ADMIN of every tenant.
  """
  enum CallerKind {
    ${values(CALLER_KINDS)}
  }

  type Tenant {
    id: ID!
    displayName: String!
    signUp: SignUpMode!
    """
    Whether new accounts start with confirmations on.
    """
    confirmationsDefault: Boolean!
    """
    Days delivery records are kept.
    """
    retentionDays: Int!
    """
    Domains whose addresses may sign up (lowercase).
    """
    senderDomains: [String!]!
    createdAt: DateTime!
  }

  type User {
    id: ID!
    tenant: String!
    """
    Mail address, also the SMTP username and sign-in name.
    """
    address: String!
    role: UserRole!
    """
    Whether the relay mails a confirmation for each delivered message.
    """
    confirmations: Boolean!
    """
    False until the address of an open sign-up is confirmed through the mailed link; until then
    the account can neither sign in nor send.
    """
    verified: Boolean!
  }

  type Me {
    kind: CallerKind!
    """
    The caller's account; null for a platform admin.
    """
    user: User
  }

  type Session {
    """
    Send it as Authorization: Bearer <token>. Shown only here.
    """
    token: String!
    expiresAt: DateTime!
    user: User!
  }

  type ApiToken {
    id: ID!
    name: String!
    createdAt: DateTime!
    lastUsedAt: DateTime
  }

  type CreatedApiToken {
    """
    Send it as Authorization: Bearer <token>. Shown only here: it is stored hashed.
    """
    token: String!
    apiToken: ApiToken!
  }

  input RegisterTenantInput {
    """
    Lowercase DNS label.
    """
    id: String!
    displayName: String!
    signUp: SignUpMode!
    confirmationsDefault: Boolean!
    """
    At least 1.
    """
    retentionDays: Int!
    senderDomains: [String!]!
  }

  input SignUpInput {
    tenant: String!
    address: String!
    password: String!
  }

  input SignInInput {
    address: String!
    password: String!
    """
    Needed only when the address has accounts in several tenants.
    """
    tenant: String
  }

  input CreateUserInput {
    """
    A tenant admin may leave it out (its own tenant); a platform admin must give it.
    """
    tenant: String
    address: String!
    password: String!
    role: UserRole = USER
  }

  extend type Query {
    """
    Who the caller is.
    """
    me: Me!
    """
    Platform admin: every tenant. Anyone else: their own tenant.
    """
    tenants: [Tenant!]!
    """
    A tenant's accounts. Tenant admin: its own tenant; platform admin: the tenant named.
    """
    users(tenant: String): [User!]!
    """
    The caller's API tokens, newest first (never the tokens themselves).
    """
    apiTokens: [ApiToken!]!
  }

  type Mutation {
    """
    Platform admin: create or update a tenant to exactly these settings (idempotent).
    """
    registerTenant(input: RegisterTenantInput!): Tenant!
    """
    Platform admin: delete a tenant with its accounts and records. False when it did not exist.
    """
    deregisterTenant(id: String!): Boolean!
    """
    Sign up in a tenant whose sign-up is OPEN, with an address in its sender domains. Always true:
    the address is mailed a single-use link (verifyAddress) that activates the account, or, if
    it has an account already, a note. Signing up again sends a new link. Mails are limited.
    """
    signUp(input: SignUpInput!): Boolean!
    """
    Activate a signed-up account with the token from its verification link; works once.
    """
    verifyAddress(token: String!): User!
    """
    Check a password and open a session. Failed attempts are limited per account and address.
    """
    signIn(input: SignInInput!): Session!
    """
    End the session whose token authorised this request. False for other credentials.
    """
    signOut: Boolean!
    """
    Set a new password; ends every other session of the account.
    """
    changePassword(currentPassword: String!, newPassword: String!): Boolean!
    """
    Mail a single-use reset link to the account(s) with this address. Always true.
    """
    requestPasswordReset(address: String!, tenant: String): Boolean!
    """
    Set a new password with the token from a reset link; ends every session of the account.
    """
    resetPassword(token: String!, newPassword: String!): Boolean!
    """
    Mail the username and its tenants to this address, if it has accounts. Always true.
    """
    forgotUsername(address: String!): Boolean!
    """
    Tenant admin or platform admin: create an account (an invitation).
    """
    createUser(input: CreateUserInput!): User!
    """
    Tenant admin or platform admin: delete an account of the tenant. False when there is none.
    """
    deleteUser(id: ID!): Boolean!
    """
    Create a named API token for the caller.
    """
    createApiToken(name: String!): CreatedApiToken!
    """
    Revoke one of the caller's API tokens. False when the caller has no token with this id.
    """
    revokeApiToken(id: ID!): Boolean!
    """
    Turn the caller's delivery confirmations on or off (from the next submitted message).
    """
    setConfirmations(enabled: Boolean!): User!
  }
`;
