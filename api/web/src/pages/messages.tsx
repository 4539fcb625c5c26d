import { useCallback, useEffect, useState } from 'react';
import { MessageFilters } from '../components/message-filters.tsx';
import { MessageTable } from '../components/message-table.tsx';
import { ErrorNotice } from '../components/notice.tsx';
import { QuotaMeter } from '../components/quota-meter.tsx';
import { RequireAccount } from '../components/require-account.tsx';
import { TestMessageButton } from '../components/test-message.tsx';
import type { MessageFilterInput } from '../filters.ts';
import { describeError, gql } from '../graphql.ts';
import { useDeliveryEvents, type LiveState } from '../live.ts';
import { MESSAGES, QUOTA, type MessagePage, type Quota } from '../operations.ts';
import { useSession } from '../session.tsx';

const PAGE_SIZE = 20;

const LIVE_TEXT: Record<LiveState, string> = {
  live: 'Live: new delivery results appear here as they arrive.',
  connecting: 'Connecting to live updates…',
  offline: 'Live updates are off; reload the page to see new results.',
};

function useMessages(filter: MessageFilterInput, after: string | null) {
  const [page, setPage] = useState<MessagePage | null>(null);
  const [quota, setQuota] = useState<Quota | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const variables = { first: PAGE_SIZE, after, filter };
      const [list, standing] = await Promise.all([
        gql<{ messages: MessagePage }>(MESSAGES, variables),
        gql<{ quota: Quota }>(QUOTA).catch(() => null),
      ]);
      setPage(list.messages);
      setQuota(standing?.quota ?? null);
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [filter, after]);
  useEffect(() => void load(), [load]);
  return { page, quota, error, reload: load };
}

function MessageList() {
  const { account } = useSession();
  const [filter, setFilter] = useState<MessageFilterInput>({});
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors.at(-1) ?? null;
  const { page, quota, error, reload } = useMessages(filter, after);
  const live = useDeliveryEvents(
    true,
    () => void reload(),
    () => void reload(),
  );

  const search = (next: MessageFilterInput) => {
    setFilter(next);
    setCursors([null]);
  };
  const admin = account?.role === 'TENANT_ADMIN';
  const endCursor = page?.pageInfo.endCursor ?? null;

  return (
    <>
      <h1>{admin ? "Your organisation's messages" : 'Sent messages'}</h1>
      <QuotaMeter quota={quota} />
      <TestMessageButton onSent={() => void reload()} />
      <MessageFilters onSearch={search} />
      <p className="live" role="status" data-live={live}>
        {LIVE_TEXT[live]}
      </p>
      {error && <ErrorNotice>{error}</ErrorNotice>}
      {page ? (
        <MessageTable messages={page.edges.map((e) => e.node)} showSender={admin} />
      ) : (
        <p>Loading…</p>
      )}
      <nav className="pager" aria-label="Pages of messages">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length < 2}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!page?.pageInfo.hasNextPage || endCursor === null}
          onClick={() => setCursors([...cursors, endCursor])}
        >
          Older
        </button>
      </nav>
    </>
  );
}

/** The account's sent messages (a tenant admin's: the tenant's), searchable and live. */
export function MessagesPage() {
  return (
    <RequireAccount>
      <MessageList />
    </RequireAccount>
  );
}
