import type { ReactNode } from 'react';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';

/** Shows `children` to a signed-in account, else a way to sign in. */
export function RequireAccount({ children }: { readonly children: ReactNode }) {
  const { account, ready } = useSession();
  if (!ready) return <p>Loading…</p>;
  if (!account) {
    return (
      <section>
        <h1>Please sign in</h1>
        <p>
          This page shows your own messages. <Link to="/sign-in">Sign in</Link> with your mail
          address and password, or <Link to="/sign-up">create an account</Link>.
        </p>
      </section>
    );
  }
  return children;
}
