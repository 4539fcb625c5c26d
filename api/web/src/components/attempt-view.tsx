import { formatOffset, toConversation, type Speaker } from '../conversation.ts';
import { formatStatus, formatTime } from '../format.ts';
import type { Attempt, Tls } from '../operations.ts';

const SPEAKER_LABEL: Record<Speaker, string> = {
  client: 'Zajoni',
  server: 'Server',
  event: 'Event',
};

function describeServer(attempt: Attempt): string {
  const { mx } = attempt;
  if (!mx) return 'no mail server found';
  const address = mx.ip ? `${mx.ip} port ${mx.port}` : 'no address';
  const preference = mx.preference === null ? 'implicit MX' : `MX preference ${mx.preference}`;
  return `${mx.host} (${address}, ${preference})`;
}

function TlsDetails({ tls }: { readonly tls: Tls | null }) {
  if (!tls) return <dd>Not used: the conversation was not encrypted.</dd>;
  if (!tls.version) return <dd>Handshake failed: {tls.verifyError ?? 'unknown error'}</dd>;
  return (
    <dd>
      {[tls.version, tls.cipher].filter(Boolean).join(', ')};{' '}
      {tls.verified
        ? 'certificate verified'
        : `certificate not verified (${tls.verifyError ?? 'unknown reason'})`}
      {tls.peerSubject && <>; server certificate {tls.peerSubject}</>}
      {tls.peerIssuer && <>, issued by {tls.peerIssuer}</>}
      {tls.fingerprint256 && (
        <>
          ; SHA-256 <code className="fingerprint">{tls.fingerprint256}</code>
        </>
      )}
    </dd>
  );
}

/** One connection: where it went, how it was secured, and the conversation line by line. */
export function AttemptView({ attempt }: { readonly attempt: Attempt }) {
  const lines = toConversation(attempt.steps);
  const took = new Date(attempt.endedAt).getTime() - new Date(attempt.startedAt).getTime();
  const title = `${attempt.domain}: attempt ${attempt.attempt}, connection ${attempt.hostIndex + 1}`;
  return (
    <article className="attempt" aria-label={title}>
      <h3>{title}</h3>
      <dl className="facts">
        <dt>Server</dt>
        <dd>{describeServer(attempt)}</dd>
        <dt>When</dt>
        <dd>
          {formatTime(attempt.startedAt)}, took {formatOffset(took).slice(1)}
        </dd>
        <dt>Outcome</dt>
        <dd>{formatStatus(attempt.outcome)}</dd>
        <dt>Their queue id</dt>
        <dd className="remote-queue-id">{attempt.remoteQueueId ?? '—'}</dd>
        <dt>TLS</dt>
        <TlsDetails tls={attempt.tls} />
        {attempt.error && (
          <>
            <dt>Error</dt>
            <dd>{attempt.error}</dd>
          </>
        )}
      </dl>
      <ol className="conversation" aria-label="SMTP conversation">
        {lines.map((line) => (
          <li key={line.key} className={`line line-${line.speaker}`}>
            <span className="offset">{formatOffset(line.offsetMs)}</span>
            <span className="speaker">{SPEAKER_LABEL[line.speaker]}</span>
            <code className="text">{line.text}</code>
          </li>
        ))}
      </ol>
    </article>
  );
}
