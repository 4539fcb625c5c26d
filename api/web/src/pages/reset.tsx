import { useState } from 'react';
import { Field } from '../components/field.tsx';
import { ErrorNotice, StatusNotice } from '../components/notice.tsx';
import { gql } from '../graphql.ts';
import { RESET_PASSWORD } from '../operations.ts';
import { Link, useLocation } from '../router.tsx';
import { useAction } from '../use-action.ts';

/** The page a reset link opens: `/reset?token=…`. */
export function ResetPage() {
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const mismatch = repeat !== '' && repeat !== password ? 'The passwords differ.' : undefined;
  const action = useAction(async () => {
    await gql(RESET_PASSWORD, { token, newPassword: password });
  });
  if (token === '') {
    return (
      <section className="narrow">
        <h1>Set a new password</h1>
        <p>
          This page needs the link from your reset mail. <Link to="/forgot">Ask for one</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Set a new password</h1>
      {action.done ? (
        <StatusNotice>
          Your password is changed and every session has ended. <Link to="/sign-in">Sign in</Link>.
        </StatusNotice>
      ) : (
        <form onSubmit={(e) => (mismatch ? e.preventDefault() : action.submit(e))}>
          <Field
            label="New password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <Field
            label="New password again"
            type="password"
            autoComplete="new-password"
            required
            value={repeat}
            error={mismatch}
            onChange={(e) => setRepeat(e.target.value)}
          />
          {action.error && <ErrorNotice>{action.error}</ErrorNotice>}
          <button type="submit" disabled={action.busy}>
            Set password
          </button>
        </form>
      )}
    </section>
  );
}
