import type { QueuedMessage } from '#shared';
import { describeTls } from '../transcript/index.ts';
import { acceptedAt, type ReportedRecipient } from './reported.ts';

/**
 * The short text a person reads first: per recipient, who accepted the message, when, under
 * which queue id, with which reply, and whether the connection was encrypted. CRLF line ends.
 */
export function renderSummary(
  entry: QueuedMessage,
  recipients: readonly ReportedRecipient[],
): string {
  const delivered = recipients.filter((r) => r.action === 'delivered');
  const lines = [
    delivered.length === recipients.length
      ? "Your message was accepted by the recipients' mail servers."
      : 'Your message could not be delivered to every recipient yet.',
    '',
    `Subject:      ${entry.subject ?? '(no subject)'}`,
    `Message-ID:   ${entry.messageId ? `<${entry.messageId}>` : '(none)'}`,
    `Submitted:    ${entry.submittedAt} by ${entry.authUser}`,
    `Size:         ${entry.size} octets, SHA-256 ${entry.sha256}`,
    `Zajoni queue: ${entry.queueId}`,
    '',
    ...recipients.flatMap(recipientLines),
    'The whole SMTP conversation of each connection is attached, as text (transcript.txt)',
    "and as data (transcript.json). The server's queue id lets its administrator find the",
    'message in their logs.',
  ];
  return `${lines.map(oneLine).join('\r\n')}\r\n`;
}

function recipientLines(r: ReportedRecipient): string[] {
  const { outcome, transcript } = r;
  const mx = transcript.mx;
  const server = mx ? `${mx.host} [${mx.ip ?? 'no address'}] port ${mx.port}` : 'none found';
  const reply = outcome.reply ? outcome.reply.lines.join(' ') : (outcome.reason ?? '(none)');
  if (r.action !== 'delivered') {
    return [
      `Recipient:    ${outcome.address}`,
      `Result:       ${r.action === 'failed' ? 'FAILED' : 'delayed, still being retried'} (${r.status})`,
      `Server:       ${server}`,
      `Last try:     ${transcript.endedAt}`,
      `Reason:       ${reply}`,
      '',
    ];
  }
  return [
    `Recipient:    ${outcome.address}`,
    `Accepted by:  ${server}`,
    `Accepted at:  ${acceptedAt(transcript)}`,
    `Server's queue id: ${outcome.remoteQueueId ?? '(none named in the reply)'}`,
    `Server's reply:    ${reply}`,
    `TLS:          ${describeTls(transcript.tls)}`,
    '',
  ];
}

/** A value from a server or a user never starts a line of its own. */
function oneLine(text: string): string {
  let safe = '';
  for (const char of text) safe += char === '\r' || char === '\n' ? ' ' : char;
  return safe;
}
