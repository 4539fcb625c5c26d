import { formatStatus } from '../format.ts';
import type { RecipientDetail } from '../operations.ts';

/** Each recipient's outcome: status, the receiving server's queue id and its reply. */
export function RecipientsTable({
  recipients,
}: {
  readonly recipients: readonly RecipientDetail[];
}) {
  return (
    <table className="recipients">
      <caption>Recipients</caption>
      <thead>
        <tr>
          <th scope="col">Address</th>
          <th scope="col">Outcome</th>
          <th scope="col">Their server&apos;s queue id</th>
          <th scope="col">Reply</th>
        </tr>
      </thead>
      <tbody>
        {recipients.map((r) => (
          <tr key={r.address}>
            <td>{r.address}</td>
            <td>
              <span className={`status status-${r.status.toLowerCase()}`}>
                {formatStatus(r.status)}
              </span>
            </td>
            <td className="remote-queue-id">{r.remoteQueueId ?? '—'}</td>
            <td>
              <code>
                {r.lastReply ? r.lastReply.lines.join(' ') : (r.reason ?? 'no reply yet')}
              </code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
