import type { GraphQLErrorExtensions } from 'graphql';
import {
  AddressNotVerifiedError,
  DuplicateTenantError,
  DuplicateUserError,
  ForbiddenError,
  InvalidAddressError,
  InvalidPasswordError,
  InvalidTenantIdError,
  InvalidTokenError,
  RateLimitedError,
  SignUpClosedError,
  UnknownTenantError,
} from '../errors.ts';

/** The `extensions.code` values of account failures. */
export const ACCOUNT_ERROR_CODES = {
  forbidden: 'FORBIDDEN',
  rateLimited: 'RATE_LIMITED',
  signUpClosed: 'SIGN_UP_CLOSED',
  invalidToken: 'INVALID_TOKEN',
  alreadyExists: 'ALREADY_EXISTS',
  badUserInput: 'BAD_USER_INPUT',
  addressNotVerified: 'ADDRESS_NOT_VERIFIED',
} as const;

/**
 * The client-facing extensions for an account failure, or undefined when `cause` is not one.
 * RATE_LIMITED carries `retryAfter` (seconds) and answers HTTP 429 with Retry-After (RFC 6585).
 */
export function accountErrorExtensions(cause: unknown): GraphQLErrorExtensions | undefined {
  if (cause instanceof RateLimitedError) {
    const retryAfter = cause.retryAfterSeconds;
    const http = { status: 429, headers: { 'Retry-After': String(retryAfter) } };
    return { code: ACCOUNT_ERROR_CODES.rateLimited, retryAfter, http };
  }
  if (cause instanceof ForbiddenError) return { code: ACCOUNT_ERROR_CODES.forbidden };
  if (cause instanceof AddressNotVerifiedError) {
    return { code: ACCOUNT_ERROR_CODES.addressNotVerified };
  }
  if (cause instanceof SignUpClosedError) return { code: ACCOUNT_ERROR_CODES.signUpClosed };
  if (cause instanceof InvalidTokenError) return { code: ACCOUNT_ERROR_CODES.invalidToken };
  if (cause instanceof DuplicateUserError || cause instanceof DuplicateTenantError) {
    return { code: ACCOUNT_ERROR_CODES.alreadyExists };
  }
  if (cause instanceof InvalidAddressError) return input('address');
  if (cause instanceof InvalidPasswordError) return input('password');
  if (cause instanceof InvalidTenantIdError || cause instanceof UnknownTenantError) {
    return input('tenant');
  }
  return undefined;
}

function input(argument: string): GraphQLErrorExtensions {
  return { code: ACCOUNT_ERROR_CODES.badUserInput, argument };
}
