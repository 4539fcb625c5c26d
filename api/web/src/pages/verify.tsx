import { useEffect, useState } from 'react';
import { ErrorNotice, StatusNotice } from '../components/notice.tsx';
import { GraphQLRequestError, describeError, gql } from '../graphql.ts';
import { VERIFY_ADDRESS, type Account } from '../operations.ts';
import { Link, useLocation } from '../router.tsx';
import { SignInForm } from './sign-in.tsx';

/** What the page shows for a link that is unknown, used or expired. */
export const LINK_NOT_VALID = 'This link has already been used or has expired.';

type Outcome =
  | { readonly kind: 'verifying' }
  | { readonly kind: 'verified'; readonly account: Account }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'failed'; readonly message: string };

// A link works once, and React may run an effect twice (StrictMode, a remount): every render
// of one token shares its single request.
const requests = new Map<string, Promise<Account>>();

function verifyOnce(token: string): Promise<Account> {
  let request = requests.get(token);
  if (!request) {
    request = gql<{ verifyAddress: Account }>(VERIFY_ADDRESS, { token }).then(
      (data) => data.verifyAddress,
    );
    requests.set(token, request);
  }
  return request;
}

function toOutcome(failure: unknown): Outcome {
  if (failure instanceof GraphQLRequestError && failure.code === 'INVALID_TOKEN') {
    return { kind: 'invalid' };
  }
  return { kind: 'failed', message: describeError(failure) };
}

function useVerification(token: string): Outcome {
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'verifying' });
  useEffect(() => {
    let current = true;
    verifyOnce(token).then(
      (account) => current && setOutcome({ kind: 'verified', account }),
      (failure: unknown) => current && setOutcome(toOutcome(failure)),
    );
    return () => {
      current = false;
    };
  }, [token]);
  return outcome;
}

function Verification({ token }: { readonly token: string }) {
  const outcome = useVerification(token);
  switch (outcome.kind) {
    case 'verifying':
      return <StatusNotice>Confirming your address…</StatusNotice>;
    case 'verified':
      return (
        <>
          <StatusNotice>
            {outcome.account.address} is confirmed. Sign in with the password you chose.
          </StatusNotice>
          <SignInForm
            initialAddress={outcome.account.address}
            tenant={outcome.account.tenant}
            next="/guide"
          />
        </>
      );
    case 'invalid':
      return (
        <ErrorNotice>
          {LINK_NOT_VALID} If you confirmed your address already, <Link to="/sign-in">sign in</Link>
          . If not, <Link to="/sign-up">sign up again</Link> for a new link.
        </ErrorNotice>
      );
    case 'failed':
      return <ErrorNotice>{outcome.message}</ErrorNotice>;
  }
}

/** The page a sign-up's link opens: `/verify?token=…`. */
export function VerifyPage() {
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  return (
    <section className="narrow">
      <h1>Confirm your address</h1>
      {token === '' ? (
        <p>
          This page needs the link from the mail we sent when you signed up.{' '}
          <Link to="/sign-up">Sign up</Link> to get one.
        </p>
      ) : (
        <Verification token={token} />
      )}
    </section>
  );
}
