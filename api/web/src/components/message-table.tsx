import { formatStatus, formatTime } from '../format.ts';
import type { MessageSummary } from '../operations.ts';
import { Link } from '../router.tsx';

/** One page of messages; each row links to the message's record. */
export function MessageTable({
  messages,
  showSender,
}: {
  readonly messages: readonly MessageSummary[];
  readonly showSender: boolean;
}) {
  if (messages.length === 0) return <p>No messages match.</p>;
  return (
    <table className="messages">
      <caption className="visually-hidden">Sent messages, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Sent</th>
          {showSender && <th scope="col">Sender</th>}
          <th scope="col">Recipients</th>
          <th scope="col">Subject</th>
          <th scope="col">Status</th>
          <th scope="col">Queue id</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((m) => (
          <tr key={m.queueId} data-queue-id={m.queueId}>
            <td>{formatTime(m.submittedAt)}</td>
            {showSender && <td>{m.sender || '<>'}</td>}
            <td>{m.recipients.map((r) => r.address).join(', ')}</td>
            <td>{m.subject ?? '(no subject)'}</td>
            <td>
              <span className={`status status-${m.status.toLowerCase()}`}>
                {formatStatus(m.status)}
              </span>
            </td>
            <td>
              <Link to={`/messages/${encodeURIComponent(m.queueId)}`}>
                <code>{m.queueId}</code>
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
