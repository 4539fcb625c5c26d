import { useState } from 'react';
import { Field } from '../components/field.tsx';
import { ErrorNotice, StatusNotice } from '../components/notice.tsx';
import { gql } from '../graphql.ts';
import { FORGOT_USERNAME, REQUEST_RESET } from '../operations.ts';
import { useAction } from '../use-action.ts';

function MailForm({
  title,
  explanation,
  operation,
  button,
}: {
  readonly title: string;
  readonly explanation: string;
  readonly operation: string;
  readonly button: string;
}) {
  const [address, setAddress] = useState('');
  const action = useAction(async () => {
    await gql(operation, { address });
  });
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      <p>{explanation}</p>
      <form onSubmit={action.submit}>
        <Field
          label="Mail address"
          type="email"
          autoComplete="email"
          required
          value={address}
          onChange={(e) => setAddress(e.target.value)}
        />
        {action.error && <ErrorNotice>{action.error}</ErrorNotice>}
        {action.done && (
          <StatusNotice>
            If {address} has an account, a mail is on its way. It can take a few minutes.
          </StatusNotice>
        )}
        <button type="submit" disabled={action.busy}>
          {button}
        </button>
      </form>
    </section>
  );
}

/** Password reset by mail, and the username reminder. */
export function ForgotPage() {
  return (
    <div className="narrow">
      <h1>Forgot your password or username?</h1>
      <MailForm
        title="Reset your password"
        explanation="We mail a link to set a new password. It works once, for an hour."
        operation={REQUEST_RESET}
        button="Mail me a reset link"
      />
      <MailForm
        title="Forgot your username"
        explanation="Your username is your mail address. We mail you the organisations it has accounts with."
        operation={FORGOT_USERNAME}
        button="Mail me my username"
      />
    </div>
  );
}
