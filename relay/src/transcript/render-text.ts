import type { TlsInfo, Transcript, TranscriptStep } from '#shared';

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
  if (t.error) header.push(`Error: ${escapeControls(t.error)}`);
  const steps = t.steps.flatMap(renderStep);
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

function renderStep(step: TranscriptStep): string[] {
  const started = stamp(step.at, step.offsetMs);
  const lines: string[] = [];
  if (step.command !== null) lines.push(`${started} C: ${escapeControls(step.command)}`);
  if (step.reply) {
    const ended = stamp(addMs(step.at, step.elapsedMs), step.offsetMs + step.elapsedMs);
    for (const line of step.reply.lines) lines.push(`${ended} S: ${escapeControls(line)}`);
  }
  if (step.note !== null) {
    lines.push(`${started} * ${step.kind}: ${escapeControls(step.note)} (${step.elapsedMs} ms)`);
  }
  return lines;
}

function stamp(at: string, offsetMs: number): string {
  return `${at} +${String(Math.round(offsetMs)).padStart(6)}ms`;
}

function addMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
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
