import type { TlsInfo, Transcript, TranscriptStep } from './transcript.ts';

/**
 * Renders transcripts as the plain text a person reads: one block per connection, each step as
 * `C:` (sent by the relay), `S:` (received from the server, one line per reply line) or `*`
 * (an event such as the TCP connect or the TLS handshake), with the time it happened and the
 * milliseconds since the connection started. Control characters a server sent are shown as
 * `\xNN`, so nothing received can change the layout.
 */
export function renderTranscriptText(transcripts: readonly Transcript[]): string {
  return transcripts.map(renderOne).join('\n');
}

function renderOne(t: Transcript): string {
  const header = [
    `=== ${t.domain}, attempt ${t.attempt}, connection ${t.hostIndex + 1}: ${describeServer(t)} ===`,
    `Queue id ${t.queueId}, record ${t.attemptId}`,
    `Started ${t.startedAt}, ended ${t.endedAt}, outcome: ${t.outcome}`,
    `TLS: ${describeTls(t.tls)}`,
  ];
  if (t.policy) {
    const { mode, id, mx } = t.policy;
    header.push(`TLS policy: MTA-STS ${mode}, id ${id}, MX ${mx.join(', ')}`);
  }
  if (t.possibleDuplicate) {
    header.push('Possible duplicate: an earlier run of this attempt had sent the message already');
  }
  if (t.error) header.push(`Error: ${escapeControls(t.error)}`);
  const steps = renderSteps(t.steps);
  const recipients = t.recipients.map((r) => {
    const decided = r.reply ? r.reply.lines.join(' ') : (r.reason ?? '');
    const id = r.remoteQueueId ? ` (server queue id ${r.remoteQueueId})` : '';
    return `  ${r.address}: ${r.status}${id}: ${escapeControls(decided)}`;
  });
  return [...header, '', ...steps, '', 'Recipients:', ...recipients, ''].join('\n');
}

function describeServer(t: Transcript): string {
  if (!t.mx) return 'no mail server found';
  const address = t.mx.ip ? `[${t.mx.ip}]:${t.mx.port}` : 'no address';
  const preference = t.mx.preference === null ? 'implicit MX' : `MX preference ${t.mx.preference}`;
  return `${t.mx.host} ${address} (${preference})`;
}

/** A one-line description of a connection's TLS, for transcripts and summaries. */
export function describeTls(tls: TlsInfo | null): string {
  if (!tls) return 'not used';
  if (!tls.version) return `handshake failed (${tls.verifyError ?? 'unknown error'})`;
  const check = tls.verified
    ? 'certificate verified'
    : `certificate not verified (${tls.verifyError ?? 'unknown reason'})`;
  const peer = tls.peerSubject ? `, server certificate ${tls.peerSubject}` : '';
  const issuer = tls.peerIssuer ? ` issued by ${tls.peerIssuer}` : '';
  const fingerprint = tls.fingerprint256 ? `, SHA-256 ${tls.fingerprint256}` : '';
  const suite = [tls.version, tls.cipher].filter(Boolean).join(' ');
  return `${suite}, ${check}${peer}${issuer}${fingerprint}`;
}

interface Line {
  /** Milliseconds from the connection's start. */
  offsetMs: number;
  /** Wall-clock time, epoch milliseconds. */
  atMs: number;
  /** Tie-break: the step's position, then command before reply before note. */
  order: number;
  text: string;
}

/**
 * Steps are stored in the order they started; the text shows events in the order they happened,
 * so a pipelined batch reads as it went over the wire: the commands, then the replies.
 */
function renderSteps(steps: readonly TranscriptStep[]): string[] {
  const lines = steps.flatMap((step, index) => stepLines(step, index * 3));
  lines.sort((a, b) => a.offsetMs - b.offsetMs || a.order - b.order);
  return lines.map((l) => `${stamp(l)} ${l.text}`);
}

function stepLines(step: TranscriptStep, order: number): Line[] {
  const startAt = Date.parse(step.at);
  const start = { offsetMs: step.offsetMs, atMs: startAt };
  const end = { offsetMs: step.offsetMs + step.elapsedMs, atMs: startAt + step.elapsedMs };
  const lines: Line[] = [];
  if (step.command !== null) {
    lines.push({ ...start, order, text: `C: ${escapeControls(step.command)}` });
  }
  for (const line of step.reply?.lines ?? []) {
    lines.push({ ...end, order: order + 1, text: `S: ${escapeControls(line)}` });
  }
  if (step.note !== null) {
    // An event (connect, TLS, error) is shown when it started; a note on a command when it ended.
    const when = step.command === null && !step.reply ? start : end;
    const text = `* ${step.kind}: ${escapeControls(step.note)} (${formatMs(step.elapsedMs)} ms)`;
    lines.push({ ...when, order: order + 2, text });
  }
  return lines;
}

function stamp(line: Line): string {
  const at = new Date(Math.floor(line.atMs)).toISOString();
  return `${at} +${formatMs(line.offsetMs).padStart(9)}ms`;
}

function formatMs(ms: number): string {
  return ms.toFixed(1);
}

/** Replaces C0 controls (but tab) and DEL with `\xNN`, so a received value keeps to its line. */
export function escapeControls(text: string): string {
  let escaped = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    const control = (code < 0x20 && code !== 0x09) || code === 0x7f;
    escaped += control ? `\\x${code.toString(16).padStart(2, '0')}` : char;
  }
  return escaped;
}
