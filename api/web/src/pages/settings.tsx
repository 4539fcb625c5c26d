import { useCallback, useEffect, useState } from 'react';
import { Field } from '../components/field.tsx';
import { ErrorNotice, StatusNotice } from '../components/notice.tsx';
import { RequireAccount } from '../components/require-account.tsx';
import { formatTime } from '../format.ts';
import { gql } from '../graphql.ts';
import {
  API_TOKENS,
  CHANGE_PASSWORD,
  CREATE_API_TOKEN,
  REVOKE_API_TOKEN,
  SET_CONFIRMATIONS,
  type ApiToken,
} from '../operations.ts';
import { useSession } from '../session.tsx';
import { useAction } from '../use-action.ts';

function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const action = useAction(async () => {
    await gql(CHANGE_PASSWORD, { current, next });
    setCurrent('');
    setNext('');
  });
  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <p>The same password signs you in here and in your mail client.</p>
      <form onSubmit={action.submit}>
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        {action.error && <ErrorNotice>{action.error}</ErrorNotice>}
        {action.done && (
          <StatusNotice>Password changed. Your other sessions have ended.</StatusNotice>
        )}
        <button type="submit" disabled={action.busy}>
          Change password
        </button>
      </form>
    </section>
  );
}

function Confirmations() {
  const { account, refresh } = useSession();
  const enabled = account?.confirmations ?? false;
  const action = useAction(async () => {
    await gql(SET_CONFIRMATIONS, { enabled: !enabled });
    await refresh();
  });
  return (
    <section aria-labelledby="confirmations-heading">
      <h2 id="confirmations-heading">Receipts by mail</h2>
      <p>
        Receipts are <strong>{enabled ? 'on' : 'off'}</strong>: {enabled ? 'each' : 'no'} delivered
        message is confirmed by mail. Records are kept here either way.
      </p>
      {action.error && <ErrorNotice>{action.error}</ErrorNotice>}
      <button type="button" onClick={() => action.submit()} disabled={action.busy}>
        {enabled ? 'Turn receipts off' : 'Turn receipts on'}
      </button>
    </section>
  );
}

function ApiTokens() {
  const [tokens, setTokens] = useState<readonly ApiToken[]>([]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const load = useCallback(async () => {
    setTokens((await gql<{ apiTokens: ApiToken[] }>(API_TOKENS)).apiTokens);
  }, []);
  useEffect(() => void load().catch(() => undefined), [load]);
  const create = useAction(async () => {
    const data = await gql<{ createApiToken: { token: string } }>(CREATE_API_TOKEN, { name });
    setCreated(data.createApiToken.token);
    setName('');
    await load();
  });
  const revoke = async (id: string) => {
    await gql(REVOKE_API_TOKEN, { id });
    await load();
  };
  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p>
        For scripts that read your records from the GraphQL API, sent as{' '}
        <code>Authorization: Bearer …</code>.
      </p>
      <form onSubmit={create.submit}>
        <Field label="Token name" required value={name} onChange={(e) => setName(e.target.value)} />
        {create.error && <ErrorNotice>{create.error}</ErrorNotice>}
        <button type="submit" disabled={create.busy}>
          Create token
        </button>
      </form>
      {created && (
        <StatusNotice>
          Your new token, shown only now: <code className="token">{created}</code>
        </StatusNotice>
      )}
      <ul className="tokens">
        {tokens.map((t) => (
          <li key={t.id}>
            <strong>{t.name}</strong>, created {formatTime(t.createdAt)}, last used{' '}
            {t.lastUsedAt ? formatTime(t.lastUsedAt) : 'never'}{' '}
            <button type="button" className="secondary" onClick={() => void revoke(t.id)}>
              Revoke <span className="visually-hidden">{t.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Password, receipts and API tokens. */
export function SettingsPage() {
  return (
    <RequireAccount>
      <h1>Settings</h1>
      <PasswordForm />
      <Confirmations />
      <ApiTokens />
    </RequireAccount>
  );
}
