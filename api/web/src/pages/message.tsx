import { useCallback, useEffect, useState } from 'react';
import { AttemptView } from '../components/attempt-view.tsx';
import { ErrorNotice } from '../components/notice.tsx';
import { RecipientsTable } from '../components/recipients-table.tsx';
import { RequireAccount } from '../components/require-account.tsx';
import { downloadText } from '../download.ts';
import { formatStatus, formatTime } from '../format.ts';
import { describeError, gql } from '../graphql.ts';
import { useDeliveryEvents } from '../live.ts';
import { MESSAGE, TRANSCRIPT_JSON, TRANSCRIPT_TEXT, type MessageDetail } from '../operations.ts';
import { Link } from '../router.tsx';

function Downloads({ queueId }: { readonly queueId: string }) {
  const [error, setError] = useState<string | null>(null);
  const fetchAndSave = async (kind: 'text' | 'json') => {
    setError(null);
    try {
      const query = kind === 'text' ? TRANSCRIPT_TEXT : TRANSCRIPT_JSON;
      type Answer = { message: { transcriptText?: string; transcriptJson?: string } | null };
      const data = await gql<Answer>(query, { queueId });
      const body = data.message?.transcriptText ?? data.message?.transcriptJson ?? '';
      if (kind === 'text') downloadText(`zajoni-${queueId}.txt`, body, 'text/plain;charset=utf-8');
      else downloadText(`zajoni-${queueId}.json`, body, 'application/json');
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <section aria-labelledby="downloads-heading">
      <h2 id="downloads-heading">Download the record</h2>
      <p>The same record your receipt carries, to keep or to send to the recipient.</p>
      <button type="button" onClick={() => void fetchAndSave('text')}>
        Transcript (text)
      </button>{' '}
      <button type="button" onClick={() => void fetchAndSave('json')}>
        Transcript (JSON)
      </button>
      {error && <ErrorNotice>{error}</ErrorNotice>}
    </section>
  );
}

function Summary({ message }: { readonly message: MessageDetail }) {
  return (
    <dl className="facts">
      <dt>Status</dt>
      <dd>
        <span className={`status status-${message.status.toLowerCase()}`}>
          {formatStatus(message.status)}
        </span>
      </dd>
      <dt>Sent</dt>
      <dd>{formatTime(message.submittedAt)}</dd>
      <dt>From</dt>
      <dd>{message.sender || '<>'}</dd>
      <dt>Subject</dt>
      <dd>{message.subject ?? '(no subject)'}</dd>
      <dt>Message-ID</dt>
      <dd>{message.messageId ?? '—'}</dd>
      <dt>Size</dt>
      <dd>{message.size} bytes</dd>
      <dt>SHA-256</dt>
      <dd>
        <code className="fingerprint">{message.sha256}</code>
      </dd>
    </dl>
  );
}

function MessageRecord({ queueId }: { readonly queueId: string }) {
  const [message, setMessage] = useState<MessageDetail | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const data = await gql<{ message: MessageDetail | null }>(MESSAGE, { queueId });
      setMessage(data.message);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [queueId]);
  useEffect(() => void load(), [load]);
  useDeliveryEvents(true, (event) => {
    if (event.queueId === queueId) void load();
  });

  if (error) return <ErrorNotice>{error}</ErrorNotice>;
  if (message === undefined) return <p>Loading…</p>;
  if (message === null) {
    return (
      <>
        <h1>Message {queueId}</h1>
        <p>No record of this message yet. It appears when the first delivery attempt has ended.</p>
      </>
    );
  }
  return (
    <>
      <p>
        <Link to="/messages">← Sent messages</Link>
      </p>
      <h1>
        Message <code>{message.queueId}</code>
      </h1>
      <Summary message={message} />
      <RecipientsTable recipients={message.recipients} />
      <Downloads queueId={message.queueId} />
      <h2>Delivery attempts</h2>
      {message.attempts.map((attempt) => (
        <AttemptView key={attempt.attemptId} attempt={attempt} />
      ))}
    </>
  );
}

/** One message's record: every recipient's outcome and each connection's conversation. */
export function MessagePage({ queueId }: { readonly queueId: string }) {
  return (
    <RequireAccount>
      <MessageRecord queueId={queueId} />
    </RequireAccount>
  );
}
