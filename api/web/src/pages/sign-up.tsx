import { useState } from 'react';
import { ErrorNotice, StatusNotice } from '../components/notice.tsx';
import { Field } from '../components/field.tsx';
import { gql } from '../graphql.ts';
import { SIGN_UP } from '../operations.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';

/** Shortest password the API takes (api/src/accounts/passwords.ts). */
const MIN_PASSWORD = 8;

/**
 * Open sign-up. The API answers the same for every address (it never says which have accounts)
 * and mails a link that confirms the address, so the page only says where to look.
 */
export function SignUpPage() {
  const { settings } = useSession();
  const [tenant, setTenant] = useState('');
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const fixedTenant = settings?.tenant ?? null;
  const action = useAction(async () => {
    await gql(SIGN_UP, { input: { tenant: fixedTenant ?? tenant, address, password } });
  });
  if (!settings) return <p>Loading…</p>;
  if (action.done) {
    return (
      <section className="narrow">
        <h1>Check your mail</h1>
        <StatusNotice>
          We sent a mail to {address} with a link to confirm the address. Open it, then sign in with
          your password. It can take a few minutes.
        </StatusNotice>
        <p>No mail? Look in your spam folder, or sign up again: a new link replaces the old one.</p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <p>
        Your mail address is also your username for the mail server. Use the address you send from.
        We mail it a link to confirm it is yours.
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
