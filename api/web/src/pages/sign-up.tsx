import { useState } from 'react';
import { ErrorNotice } from '../components/notice.tsx';
import { Field } from '../components/field.tsx';
import { gql } from '../graphql.ts';
import { SIGN_IN, SIGN_UP } from '../operations.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';

/** Shortest password the API takes (api/src/accounts/passwords.ts). */
const MIN_PASSWORD = 8;

export function SignUpPage() {
  const { settings, refresh } = useSession();
  const [tenant, setTenant] = useState('');
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const fixedTenant = settings?.tenant ?? null;
  const action = useAction(async () => {
    const input = { tenant: fixedTenant ?? tenant, address, password };
    await gql(SIGN_UP, { input });
    await gql(SIGN_IN, { input });
    await refresh();
    navigate('/guide');
  });
  if (!settings) return <p>Loading…</p>;
  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <p>
        Your mail address is also your username for the mail server. Use the address you send from.
      </p>
      <form onSubmit={action.submit}>
        {fixedTenant === null && (
          <Field
            label="Organisation id"
            hint="The short name your administrator gave you."
            required
            value={tenant}
            onChange={(e) => setTenant(e.target.value)}
          />
        )}
        <Field
          label="Mail address"
          type="email"
          autoComplete="email"
          required
          value={address}
          onChange={(e) => setAddress(e.target.value)}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD}
          hint={`At least ${MIN_PASSWORD} characters.`}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {action.error && <ErrorNotice>{action.error}</ErrorNotice>}
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have one? <Link to="/sign-in">Sign in</Link>.
      </p>
    </section>
  );
}
