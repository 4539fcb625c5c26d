import { gql } from '../graphql.ts';
import { SIGN_OUT } from '../operations.ts';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';

/** Ends the session (the API clears the cookie) and goes home. */
export function SignOutButton() {
  const { refresh } = useSession();
  const signOut = async () => {
    // An expired session cannot be ended, but the cookie is cleared all the same.
    await gql(SIGN_OUT).catch(() => undefined);
    await refresh();
    navigate('/');
  };
  return (
    <button type="button" className="link-button" onClick={() => void signOut()}>
      Sign out
    </button>
  );
}
