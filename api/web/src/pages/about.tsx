import { useSession } from '../session.tsx';

export function AboutPage() {
  const { settings } = useSession();
  const name = settings?.displayName ?? 'Zajoni';
  return (
    <article className="prose">
      <h1>About {name}</h1>
      <p>
        {name} runs Zajoni, a certified mail relay. It takes mail from your mail program over an
        encrypted, authenticated connection, delivers it straight to each recipient&apos;s mail
        server, and keeps the SMTP conversation as a record of delivery.
      </p>
      <p>
        The record is the server&apos;s own words, kept exactly, with the time and the encryption
        used. Nothing in it is written by us after the fact.
      </p>
      <p>
        This console is a view of the same GraphQL API that scripts can use at{' '}
        <a href="/graphql">/graphql</a>.
      </p>
    </article>
  );
}
