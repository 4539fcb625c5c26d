import { TestMessageButton } from '../components/test-message.tsx';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';

interface ServerSettings {
  readonly host: string;
  readonly startTlsPort: number;
  readonly tlsPort: number;
  readonly username: string;
}

function SettingsTable({ s }: { readonly s: ServerSettings }) {
  return (
    <table className="settings-table">
      <caption>Outgoing mail server (SMTP)</caption>
      <tbody>
        <tr>
          <th scope="row">Server</th>
          <td>
            <code data-setting="host">{s.host}</code>
          </td>
        </tr>
        <tr>
          <th scope="row">Port and security</th>
          <td>
            <code data-setting="starttls-port">{s.startTlsPort}</code> with STARTTLS, or{' '}
            <code data-setting="tls-port">{s.tlsPort}</code> with SSL/TLS
          </td>
        </tr>
        <tr>
          <th scope="row">Authentication</th>
          <td>Normal password (PLAIN or LOGIN), only over an encrypted connection</td>
        </tr>
        <tr>
          <th scope="row">Username</th>
          <td>
            <code data-setting="username">{s.username}</code>
          </td>
        </tr>
        <tr>
          <th scope="row">Password</th>
          <td>Your account password</td>
        </tr>
      </tbody>
    </table>
  );
}

function ClientSteps({ s }: { readonly s: ServerSettings }) {
  return (
    <>
      <h2>Thunderbird</h2>
      <ol>
        <li>Open Account Settings, then Outgoing Server (SMTP), and choose Add.</li>
        <li>
          Server name <code>{s.host}</code>, port <code>{s.startTlsPort}</code>, connection security
          STARTTLS, authentication method &quot;Normal password&quot;, username{' '}
          <code>{s.username}</code>.
        </li>
        <li>Select your account and set this server as its outgoing server.</li>
      </ol>
      <h2>Outlook</h2>
      <ol>
        <li>File, Account Settings, select the account, Change, then More Settings.</li>
        <li>
          On Outgoing Server tick &quot;My outgoing server requires authentication&quot; and enter
          your username <code>{s.username}</code> and password.
        </li>
        <li>
          On Advanced set the outgoing server to <code>{s.host}</code>, port{' '}
          <code>{s.startTlsPort}</code> with STARTTLS (or <code>{s.tlsPort}</code> with SSL/TLS).
        </li>
      </ol>
      <h2>Apple Mail</h2>
      <ol>
        <li>Mail, Settings, Accounts, your account, Server Settings.</li>
        <li>
          Under Outgoing Mail Server untick &quot;Automatically manage connection settings&quot;.
        </li>
        <li>
          Host name <code>{s.host}</code>, port <code>{s.tlsPort}</code> with &quot;Use
          TLS/SSL&quot;, authentication Password, username <code>{s.username}</code>.
        </li>
      </ol>
      <h2>Phone mail apps (iOS, Android)</h2>
      <ol>
        <li>Open the account&apos;s settings, then the outgoing server (SMTP).</li>
        <li>
          Host <code>{s.host}</code>, port <code>{s.tlsPort}</code> with SSL/TLS (or{' '}
          <code>{s.startTlsPort}</code> with STARTTLS), username <code>{s.username}</code>, your
          password, authentication required.
        </li>
      </ol>
    </>
  );
}

/** The mail client settings for this console's relay and the signed-in account. */
export function GuidePage() {
  const { settings, account } = useSession();
  if (!settings) return <p>Loading…</p>;
  const s: ServerSettings = {
    host: settings.smtpHost,
    startTlsPort: settings.startTlsPort,
    tlsPort: settings.tlsPort,
    username: account?.address ?? 'your mail address',
  };
  return (
    <article className="prose">
      <h1>Set up your mail client</h1>
      <p>
        Keep your incoming mail as it is. Change only the outgoing (SMTP) server to these settings.
      </p>
      <SettingsTable s={s} />
      {account ? (
        <section aria-labelledby="test-heading">
          <h2 id="test-heading">Check it works</h2>
          <p>
            This sends you a message through the relay, as your mail client would. It counts against
            your daily limit.
          </p>
          <TestMessageButton />
        </section>
      ) : (
        <p>
          <Link to="/sign-in">Sign in</Link> to see your own username and send yourself a test
          message.
        </p>
      )}
      <ClientSteps s={s} />
    </article>
  );
}
