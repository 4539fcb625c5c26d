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

export function SignInPage() {
  const { refresh, settings } = useSession();
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction(async () => {
    const input = { address, password, ...(settings?.tenant ? { tenant: settings.tenant } : {}) };
    try {
      await gql(SIGN_IN, { input });
    } catch (error) {
      if (error instanceof GraphQLRequestError && error.code === 'UNAUTHENTICATED') {
        throw new GraphQLRequestError(WRONG_CREDENTIALS, 'WRONG_CREDENTIALS');
      }
      throw error;
    }
    await refresh();
    navigate('/messages');
  });
  return (
    <section className="narrow">
      <h1>Sign in</h1>
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
        {action.error && <ErrorNotice>{action.error}</ErrorNotice>}
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        <Link to="/forgot">Forgot your password or username?</Link> ·{' '}
        <Link to="/sign-up">Create an account</Link>
      </p>
    </section>
  );
}
