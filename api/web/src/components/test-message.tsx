import { useState } from 'react';
import { describeError, gql } from '../graphql.ts';
import { SEND_TEST_MESSAGE } from '../operations.ts';
import { Link } from '../router.tsx';
import { ErrorNotice, StatusNotice } from './notice.tsx';

interface Queued {
  readonly queueId: string;
  readonly recipient: string;
}

/**
 * Sends the account a message through its own relay path (it counts against the daily limit).
 * The result appears in the sent messages once the relay has delivered it.
 */
export function TestMessageButton({ onSent }: { readonly onSent?: () => void }) {
  const [busy, setBusy] = useState(false);
  const [queued, setQueued] = useState<Queued | null>(null);
  const [error, setError] = useState<string | null>(null);

  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const data = await gql<{ sendTestMessage: Queued }>(SEND_TEST_MESSAGE);
      setQueued(data.sendTestMessage);
      onSent?.();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="test-message">
      <button type="button" onClick={() => void send()} disabled={busy}>
        {busy ? 'Sending…' : 'Send me a test message'}
      </button>
      {error && <ErrorNotice>{error}</ErrorNotice>}
      {queued && (
        <StatusNotice>
          Test message queued for {queued.recipient} with queue id{' '}
          <Link to={`/messages/${encodeURIComponent(queued.queueId)}`}>
            <code>{queued.queueId}</code>
          </Link>
          . It shows in your sent messages as soon as the recipient&apos;s server has answered.
        </StatusNotice>
      )}
    </div>
  );
}
