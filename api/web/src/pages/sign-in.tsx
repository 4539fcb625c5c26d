import { useState } from 'react';
import { ErrorNotice } from '../components/notice.tsx';
import { Field } from '../components/field.tsx';
import { GraphQLRequestError, gql } from '../graphql.ts';
import { SIGN_IN } from '../operations.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';

/** The refusal of a wrong password, worded for a person. */
export const WRONG_CREDENTIALS = 'The mail address or the password is wrong.';

/** The refusal of a right password whose sign-up has not confirmed its address yet. */
export const NOT_VERIFIED = 'Confirm your address first: we mailed you a link when you signed up.';

interface SignInFormProps {
  /** Filled in for the person, e.g. the address a verification link just confirmed. */
  readonly initialAddress?: string;
  /** The account's tenant when known; else the console's (the API finds it when unique). */
  readonly tenant?: string | null;
  /** Where to go once signed in. */
  readonly next: string;
}

/** Address and password; a pending sign-up is told to confirm its address, and how to get a link. */
export function SignInForm({ initialAddress = '', tenant = null, next }: SignInFormProps) {
  const { refresh, settings } = useSession();
  const [address, setAddress] = useState(initialAddress);
  const [password, setPassword] = useState('');
  const [unverified, setUnverified] = useState(false);
  const action = useAction(async () => {
    setUnverified(false);
    const accountTenant = tenant ?? settings?.tenant;
    const input = { address, password, ...(accountTenant ? { tenant: accountTenant } : {}) };
    try {
      await gql(SIGN_IN, { input });
    } catch (error) {
      if (!(error instanceof GraphQLRequestError)) throw error;
      if (error.code === 'UNAUTHENTICATED') {
        throw new GraphQLRequestError(WRONG_CREDENTIALS, 'WRONG_CREDENTIALS');
      }
      if (error.code === 'ADDRESS_NOT_VERIFIED') {
        setUnverified(true);
        throw new GraphQLRequestError(NOT_VERIFIED, error.code);
      }
      throw error;
    }
    await refresh();
    navigate(next);
  });
  return (
    <form onSubmit={action.submit}>
      <Field
        label="Mail address"
        type="email"
        autoComplete="username"
        required
        value={address}
        onChange={(e) => setAddress(e.target.value)}
      />
      <Field
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      {action.error && (
        <ErrorNotice>
          {action.error}
          {unverified && (
            <>
              {' '}
              Lost the mail, or the link expired? <Link to="/sign-up">Sign up again</Link> with this
              address for a new link; it activates the password you choose then.
            </>
          )}
        </ErrorNotice>
      )}
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

export function SignInPage() {
  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <SignInForm next="/messages" />
      <p>
        <Link to="/forgot">Forgot your password or username?</Link> ·{' '}
        <Link to="/sign-up">Create an account</Link>
      </p>
    </section>
  );
}
