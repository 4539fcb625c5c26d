import { Socket } from 'node:net';
import { rootCertificates, TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { TlsInfo } from '#shared';
import { createStepRecorder, describeTls, type StepRecorder } from '../transcript/index.ts';
import { ConnectTimeoutError } from './errors.ts';
import type { ReplyTap } from './reply-tap.ts';
import type { SessionRequest, SessionTimeouts } from './session.ts';
import { describeTlsSocket, failedTls } from './tls-info.ts';
import { createTrafficLogger } from './traffic-log.ts';

// The wire side of a session: nodemailer's SMTPConnection set up to record every step, with
// RFC 5321's per-stage timeouts, and its failures turned into notes.

/** Time to wait for the reply to QUIT before closing anyway, in ms. */
const QUIT_WAIT_MS = 5_000;

/** What one session records and waits for, on the connection it is bound to. */
export interface SessionState {
  recorder: StepRecorder;
  tap: ReplyTap;
  tls: TlsInfo | null;
  tlsFailed: boolean;
  error: string | null;
  seen: WeakSet<object>;
  /** Inactivity limit of each command still waiting for its reply, oldest first, in ms. */
  awaiting: { what: string; ms: number }[];
  /** What the inactivity limit now in force is for, to name a timeout. */
  waitingFor: { what: string; ms: number } | null;
  /** beforeEndOfData failed, so the final dot was never sent. */
  withheld: boolean;
}

export function createState(tap: ReplyTap): SessionState {
  return {
    recorder: createStepRecorder(),
    tap,
    tls: null,
    tlsFailed: false,
    error: null,
    seen: new WeakSet(),
    awaiting: [],
    waitingFor: null,
    withheld: false,
  };
}

export function createConnection(
  request: SessionRequest,
  binding: { state: SessionState },
): SMTPConnection {
  const { target, timeouts } = request;
  const verified = request.tlsRequirement === 'verified';
  const logger = createTrafficLogger({
    recorder: () => binding.state.recorder,
    beforeCommand: (line) => {
      const { state } = binding;
      completeTls(conn, state);
      state.awaiting.push(commandTimeout(line, timeouts));
      applyTimeout(conn, state, timeouts);
    },
    afterReply: (text) => {
      const { state } = binding;
      state.awaiting.shift();
      // RFC 5321 4.5.3.2.5: while the message is written, a stalled write is what is limited.
      const writing = text.startsWith('354') && state.awaiting.length === 0;
      const data = { what: 'writing the message', ms: timeouts.dataBlockMs };
      applyTimeout(conn, state, timeouts, writing ? data : null);
    },
    messageWritten: () => {
      const { state } = binding;
      state.awaiting.push({ what: 'the reply to the final dot', ms: timeouts.endOfDataMs });
      applyTimeout(conn, state, timeouts);
    },
    connected: () => tapSocket(conn, binding.state),
    rawReply: () => binding.state.tap.take(),
    log: request.log,
  });
  const conn = new SMTPConnection({
    host: target.ip,
    port: target.port,
    name: request.heloName,
    // SNI and the certificate's name check use the MX host name, not the address.
    servername: target.host,
    secure: false,
    ignoreTLS: !request.startTls && !verified,
    // RFC 3207 section 4.1: after a refused STARTTLS the client may go on in cleartext, unless
    // the domain's policy requires TLS: then nodemailer fails the session instead.
    opportunisticTLS: !verified,
    requireTLS: verified,
    // RFC 7435: encrypt whenever possible, verify and record, but never refuse for it; RFC 8461
    // section 4.2: under an enforced policy a certificate that does not verify ends the session.
    // LIMITATION: no DANE (RFC 7672): a domain that publishes TLSA records but no MTA-STS policy
    // still gets cleartext or an unverified certificate when that is all that works.
    tls: {
      rejectUnauthorized: verified,
      servername: target.host,
      ...(request.trustedCa.length > 0 ? { ca: [...rootCertificates, ...request.trustedCa] } : {}),
    },
    // nodemailer's connectionTimeout bounds the whole setup: TCP, banner and TLS handshake.
    connectionTimeout: timeouts.connectMs + 2 * timeouts.greetingMs,
    greetingTimeout: timeouts.greetingMs,
    // Until the first command nodemailer's own greeting and handshake timers are the limits;
    // from then on each command sets its own (applyTimeout).
    socketTimeout: timeouts.connectMs + 2 * timeouts.greetingMs,
    logger,
    transactionLog: true,
    debug: false,
  });
  return conn;
}

/** Resolves true once EHLO (or HELO) is done, false when the session could not be set up. */
export function openSession(
  conn: SMTPConnection,
  state: SessionState,
  request: SessionRequest,
): Promise<boolean> {
  const { ip, port } = request.target;
  const { connectMs } = request.timeouts;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (opened: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.off('error', onFailure);
      conn.off('end', onFailure);
      resolve(opened);
    };
    const onFailure = () => settle(false);
    // nodemailer's own timer covers the whole setup; this one covers the TCP connect alone.
    const timer = setTimeout(() => {
      if (state.recorder.openEvent() !== 'connect') return;
      noteFailure(state, new ConnectTimeoutError(`${ip}:${port}`, connectMs));
      settle(false);
      conn.close();
    }, connectMs);
    conn.once('error', onFailure);
    conn.once('end', onFailure);
    state.recorder.connecting(`${ip}:${port}`);
    conn.connect((error) => {
      if (error) noteFailure(state, error);
      settle(!error);
    });
  });
}

/** The inactivity limit while waiting for the reply to a command (RFC 5321 4.5.3.2). */
function commandTimeout(line: string, timeouts: SessionTimeouts): { what: string; ms: number } {
  const verb = /^[A-Za-z]+/.exec(line)?.[0].toUpperCase() ?? '';
  const what = `the reply to ${verb || 'a command'}`;
  if (verb === 'RCPT') return { what, ms: timeouts.rcptMs };
  if (verb === 'DATA') return { what, ms: timeouts.dataInitMs };
  return { what, ms: timeouts.mailMs };
}

/**
 * Sets the socket's inactivity limit for what the session now waits for: with pipelined
 * commands (RFC 2920) the longest limit of those still unanswered. nodemailer turns the socket's
 * 'timeout' into an ETIMEDOUT error, which ends the session.
 */
function applyTimeout(
  conn: SMTPConnection,
  state: SessionState,
  timeouts: SessionTimeouts,
  override: { what: string; ms: number } | null = null,
) {
  const longest = state.awaiting.reduce<{ what: string; ms: number } | null>(
    (a, b) => (a && a.ms >= b.ms ? a : b),
    null,
  );
  state.waitingFor = override ?? longest ?? { what: 'the server', ms: timeouts.mailMs };
  const socket: unknown = conn._socket;
  if (socket instanceof Socket) socket.setTimeout(state.waitingFor.ms);
}

/** Reads the exact reply bytes from the socket nodemailer reads, whichever it is now. */
function tapSocket(conn: SMTPConnection, state: SessionState) {
  const socket: unknown = conn._socket;
  if (socket instanceof Socket) state.tap.attach(socket);
}

/** Closes the TLS step with what the handshake gave, once nodemailer sends its next command. */
function completeTls(conn: SMTPConnection, state: SessionState) {
  if (state.recorder.openEvent() !== 'tls') return;
  const socket = conn._socket;
  if (!(socket instanceof TLSSocket)) return;
  state.tap.attach(socket);
  state.tls = describeTlsSocket(socket);
  state.recorder.tlsEstablished(describeTls(state.tls));
}

/**
 * Records a failure once (nodemailer may report it both as 'error' and to a callback). A
 * failure carrying a server reply is already in the steps; anything else gets its own note.
 */
export function noteFailure(state: SessionState, error: unknown) {
  if (typeof error !== 'object' || error === null || state.seen.has(error)) return;
  state.seen.add(error);
  const { message, code, response, timeoutType } = readError(error);
  const waited = state.waitingFor;
  const detail =
    timeoutType === 'SOCKET_TIMEOUT' && waited
      ? `no activity for ${waited.ms} ms waiting for ${waited.what}`
      : message;
  const description = code && !detail.startsWith(code) ? `${code}: ${detail}` : detail;
  if (state.recorder.openEvent() === 'tls') {
    state.tlsFailed = true;
    state.tls = failedTls(message);
  }
  if (response) return;
  state.recorder.failed(description);
  state.error ??= description;
}

function readError(error: object): {
  message: string;
  code: string | null;
  response: string | null;
  timeoutType: string | null;
} {
  const fields = error as {
    message?: unknown;
    code?: unknown;
    response?: unknown;
    timeoutType?: unknown;
  };
  return {
    message: typeof fields.message === 'string' ? fields.message : String(error),
    code: typeof fields.code === 'string' ? fields.code : null,
    response: typeof fields.response === 'string' ? fields.response : null,
    timeoutType: typeof fields.timeoutType === 'string' ? fields.timeoutType : null,
  };
}

/** RFC 5321 section 4.1.1.10: QUIT, and wait for its reply or the server closing. */
export async function quit(conn: SMTPConnection): Promise<void> {
  if (conn.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      conn.close();
      resolve();
    }, QUIT_WAIT_MS);
    conn.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    conn.quit();
  });
}
