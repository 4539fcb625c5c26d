import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { GraphQLRequestError, gql } from './graphql.ts';
import { ME_QUERY, SETTINGS_QUERY, type Account, type ConsoleSettings } from './operations.ts';

/** What every page knows: the console's settings and who is signed in. */
export interface Session {
  /** Null until the first answer. */
  readonly settings: ConsoleSettings | null;
  /** The signed-in account; null when nobody is (or a platform admin, who has no mailbox). */
  readonly account: Account | null;
  /** Whether the first look-up of the account has finished. */
  readonly ready: boolean;
  /** Reads settings and account again (after sign-in, sign-out, a settings change). */
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

async function loadAccount(): Promise<Account | null> {
  try {
    const data = await gql<{ me: { user: Account | null } }>(ME_QUERY);
    return data.me.user;
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.code === 'UNAUTHENTICATED') return null;
    throw error;
  }
}

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [settings, setSettings] = useState<ConsoleSettings | null>(null);
  const [account, setAccount] = useState<Account | null>(null);
  const [ready, setReady] = useState(false);

  const refresh = useCallback(async () => {
    const [nextAccount, nextSettings] = await Promise.all([
      loadAccount().catch(() => null),
      gql<{ consoleSettings: ConsoleSettings }>(SETTINGS_QUERY).then((d) => d.consoleSettings),
    ]);
    setAccount(nextAccount);
    setSettings(nextSettings);
    setReady(true);
  }, []);

  useEffect(() => {
    refresh().catch(() => setReady(true));
  }, [refresh]);

  useEffect(() => {
    if (settings) document.title = settings.displayName;
  }, [settings]);

  return (
    <SessionContext.Provider value={{ settings, account, ready, refresh }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
