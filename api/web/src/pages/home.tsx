import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';

/** What Zajoni does, and why the record matters. */
export function HomePage() {
  const { settings, account } = useSession();
  const name = settings?.displayName ?? 'Zajoni';
  return (
    <>
      <section className="hero">
        <h1>{name}: mail with a delivery record</h1>
        <p className="lead">
          Use {name} as the outgoing mail server in the mail program you already have. Each message
          goes straight to the recipient&apos;s own mail server, and {name} records the whole
          conversation with that server. Then it mails you a receipt with that record.
        </p>
        {account ? (
          <p>
            <Link to="/messages" className="button">
              See your sent messages
            </Link>
          </p>
        ) : (
          <p>
            <Link to="/sign-up" className="button">
              Create an account
            </Link>{' '}
            <Link to="/sign-in" className="button secondary">
              Sign in
            </Link>
          </p>
        )}
      </section>
      <section>
        <h2>Why the record matters</h2>
        <p>
          When someone says &quot;I never got your mail&quot;, the record shows what really
          happened: the time, the server that took the message, and that server&apos;s own reply,
          such as <code>250 2.0.0 Ok: queued as 4Xyz</code>. The queue id in that reply lets the
          recipient&apos;s administrator find the message in their own logs.
        </p>
        <ul>
          <li>Delivered straight to the recipient&apos;s server: no other relay in between.</li>
          <li>Every command and reply kept, with timings and the encryption used.</li>
          <li>A receipt by mail, and the record here to search and download.</li>
          <li>
            At most {settings?.dailyLimit ?? 50} messages a day per account: this is for important
            mail, not newsletters.
          </li>
        </ul>
        <p>
          <Link to="/faq">What a confirmation proves, and what it does not</Link>
        </p>
      </section>
    </>
  );
}
