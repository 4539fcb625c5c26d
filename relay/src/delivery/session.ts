import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { rootCertificates, TLSSocket } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Logger, RecipientOutcome, Reply, TlsInfo, TranscriptStep } from '#shared';
import { createStepRecorder, describeTls, type StepRecorder } from '../transcript/index.ts';
import { NO_CAPABILITIES, parseEhlo } from './ehlo.ts';
import type { ConnectionPool, Reusable } from './connection-pool.ts';
import { ConnectTimeoutError, EndOfDataWithheldError } from './errors.ts';
import { createReplyTap, type ReplyTap } from './reply-tap.ts';
import { screenRecipients } from './screen.ts';
import { describeTlsSocket, failedTls } from './tls-info.ts';
import { createTrafficLogger } from './traffic-log.ts';

/** Time to set up the TCP connection, in ms (Postfix's smtp_connect_timeout). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Time to wait for the 220 banner and for the TLS handshake, each, in ms (RFC 5321 4.5.3.2.1). */
export const DEFAULT_GREETING_TIMEOUT_MS = 300_000;
/** Time to wait for the reply to QUIT before closing anyway, in ms. */
const QUIT_WAIT_MS = 5_000;

/**
 * How long each stage may take, in ms. Apart from the connect, the banner and the handshake,
 * each is an inactivity limit: the time the server may stay silent (or, while the message is
 * written, the time a write may stall).
 */
export interface SessionTimeouts {
  connectMs: number;
  /** The 220 banner and the TLS handshake (RFC 5321 section 4.5.3.2.1: 5 minutes). */
  greetingMs: number;
  /** The reply to MAIL (4.5.3.2.2: 5 minutes); also EHLO, STARTTLS, RSET and QUIT. */
  mailMs: number;
  /** The reply to each RCPT (4.5.3.2.3: 5 minutes). */
  rcptMs: number;
  /** The reply to DATA (4.5.3.2.4: 2 minutes). */
  dataInitMs: number;
  /** A stalled write of the message (4.5.3.2.5: 3 minutes per block). */
  dataBlockMs: number;
  /** The reply to the final dot (4.5.3.2.6: 10 minutes). */
  endOfDataMs: number;
}

/** RFC 5321 section 4.5.3.2's values, and 30 s to connect. */
export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = {
  connectMs: DEFAULT_CONNECT_TIMEOUT_MS,
  greetingMs: DEFAULT_GREETING_TIMEOUT_MS,
  mailMs: 300_000,
  rcptMs: 300_000,
  dataInitMs: 120_000,
  dataBlockMs: 180_000,
  endOfDataMs: 600_000,
};

/** One address of one mail server. */
export interface SessionTarget {
  host: string;
  ip: string;
  port: number;
  preference: number | null;
}

export interface SessionRequest {
  target: SessionTarget;
  /** Use STARTTLS when offered; false for the cleartext retry after a failed handshake. */
  startTls: boolean;
  heloName: string;
  sender: string;
  recipients: readonly string[];
  body: Buffer;
  /** CA certificates trusted besides the system's, PEM; to verify servers of a private PKI. */
  trustedCa: readonly string[];
  /** Declare BODY=8BITMIME when the server offers it (RFC 6152). */
  eightBit: boolean;
  /**
   * `opportunistic`: TLS when offered, never refused for it (RFC 7435). `verified`: STARTTLS with
   * a certificate that chains to a trusted CA and names the MX host, or no transaction (MTA-STS
   * enforce, RFC 8461 section 4.2).
   */
  tlsRequirement: TlsRequirement;
  /** MTA-STS testing mode: note when the connection would have failed under enforce. */
  auditTls: boolean;
  /** Notes recorded before connecting (the policy that applies). */
  notes: readonly string[];
  /** Awaited after the body is written and before the final dot; a throw withholds the dot. */
  beforeEndOfData: (() => Promise<void>) | null;
  /** Where a connection is taken from and given back to for the next message; null: none. */
  pool: ConnectionPool | null;
  timeouts: SessionTimeouts;
  log: Logger;
}

export type TlsRequirement = 'opportunistic' | 'verified';

/**
 * How far a session got: `unreachable` (no SMTP transaction: connect, banner or EHLO failed, so
 * the next address may help), `tls-failed` (the STARTTLS handshake failed, so cleartext may
 * help), or `transacted` (this server's replies decide the recipients).
 */
export type SessionStage = 'unreachable' | 'tls-failed' | 'transacted';

export interface SessionResult {
  stage: SessionStage;
  startedAt: Date;
  endedAt: Date;
  steps: TranscriptStep[];
  tls: TlsInfo | null;
  /** The first failure outside SMTP replies (connect, timeout, TLS, lost connection). */
  error: string | null;
  /** Recipients given to RCPT TO, in order. */
  sent: string[];
  /** Recipients decided before any command about them was sent. */
  refused: RecipientOutcome[];
}

interface SessionState {
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

/**
 * Runs one SMTP connection to one address: connect, banner, EHLO, STARTTLS when offered, one
 * transaction for all recipients, QUIT. Never throws for what a server or the network does:
 * every failure ends up in the result and its steps.
 */
export async function runSession(request: SessionRequest): Promise<SessionResult> {
  const startedAt = new Date();
  const reused = takeReusable(request);
  const state = createState(reused?.tap ?? createReplyTap());
  for (const note of request.notes) state.recorder.remarked(note);

  let channel = reused && (await resume(reused, state, request)) ? reused : null;
  if (!channel) {
    channel = openChannel(request, state);
    const opened = await openSession(channel.conn, state, request);
    if (!opened) {
      channel.tap.detach();
      const stage = state.tlsFailed ? 'tls-failed' : 'unreachable';
      return finish(state, stage, startedAt, [], []);
    }
    channel.tls = state.tls;
    channel.ehlo = lastEhlo(state);
  }

  if (request.auditTls) auditTls(state, request.target.host);
  const { sent, refused } = await transact(channel, state, request);
  channel.messages += 1;
  await release(channel, state, request);
  return finish(state, 'transacted', startedAt, sent, refused);
}

function createState(tap: ReplyTap): SessionState {
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

/** A connection open to a server: one per TCP connection, recording into one session at a time. */
interface Channel extends Reusable {
  conn: SMTPConnection;
  tap: ReplyTap;
  /** The session the connection records into now; `idle` while in the pool. */
  binding: { state: SessionState };
  idle: SessionState;
  messages: number;
  closed: boolean;
  tls: TlsInfo | null;
  /** The EHLO reply in force: what the server offers (RFC 5321 section 4.1.1.1). */
  ehlo: Reply | null;
}

/** What may share a connection: same address, port, MX name, TLS requirement and EHLO name. */
function reuseKey(request: SessionRequest): string {
  const { ip, port, host } = request.target;
  const tls = request.startTls ? request.tlsRequirement : 'cleartext';
  return `${ip}|${port}|${host.toLowerCase()}|${tls}|${request.heloName}`;
}

function takeReusable(request: SessionRequest): Channel | null {
  const taken = request.pool?.take(reuseKey(request)) ?? null;
  return taken ? (taken as Channel) : null;
}

function openChannel(request: SessionRequest, state: SessionState): Channel {
  const idle = createState(state.tap);
  const binding = { state };
  const conn = createConnection(request, binding);
  const channel: Channel = {
    key: reuseKey(request),
    id: request.pool?.nextId() ?? 0,
    conn,
    tap: state.tap,
    binding,
    idle,
    messages: 0,
    closed: false,
    tls: null,
    ehlo: null,
    park: () => {
      binding.state = idle;
      const socket: unknown = conn._socket;
      if (socket instanceof Socket) socket.setTimeout(0);
    },
    retire: () => quit(conn).then(() => channel.tap.detach()),
  };
  // Every failure is emitted as 'error' too; without a listener EventEmitter would throw it.
  conn.on('error', (error: unknown) => noteFailure(binding.state, error));
  conn.once('end', () => {
    channel.closed = true;
    request.pool?.forget(channel);
  });
  return channel;
}

/**
 * Binds a pooled connection to this session and resets it with RSET (RFC 5321 section 4.1.1.5),
 * so the next MAIL starts a new transaction. False when the connection is no longer usable: the
 * caller opens a new one, recorded in the same transcript.
 */
async function resume(channel: Channel, state: SessionState, request: SessionRequest) {
  channel.binding.state = state;
  state.tls = channel.tls;
  state.recorder.remarked(
    `reusing connection ${channel.id} to ${request.target.ip}:${request.target.port}: ` +
      `${channel.messages} message(s) sent on it before; TLS ${describeTls(channel.tls)}`,
  );
  // Anything the server said while the connection was idle is not a reply to this session.
  while (channel.tap.take()) continue;
  const error = await new Promise<unknown>((resolve) =>
    channel.conn.reset((e) => resolve(e ?? null)),
  );
  if (!error) return true;
  state.recorder.remarked(`reused connection ${channel.id} failed (${describeError(error)})`);
  channel.conn.close();
  channel.tap.detach();
  Object.assign(state, createState(createReplyTap()), { recorder: state.recorder });
  return false;
}

/**
 * Gives the connection to the pool when its last transaction ended with every command answered
 * and no failure; anything else (a withheld dot, a lost reply) is never reused: QUIT, or close.
 */
async function release(channel: Channel, state: SessionState, request: SessionRequest) {
  const settled = !state.error && !state.withheld && state.awaiting.length === 0;
  if (settled && !channel.closed && request.pool?.keep(channel)) return;
  // A withheld dot leaves the server in DATA: QUIT would be message text, so just close.
  if (state.withheld) channel.conn.close();
  else await quit(channel.conn);
  channel.tap.detach();
}

function lastEhlo(state: SessionState): Reply | null {
  const step = state.recorder.steps().findLast((s) => s.kind === 'ehlo' || s.kind === 'helo');
  return step?.kind === 'ehlo' ? step.reply : null;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** RFC 8461 section 5: in testing mode a failure is reported, and delivery goes on. */
function auditTls(state: SessionState, host: string) {
  if (state.tls?.verified) return;
  const why = state.tls
    ? `certificate not verified for ${host} (${state.tls.verifyError ?? 'unknown error'})`
    : 'no TLS';
  state.recorder.remarked(`MTA-STS testing: enforce mode would refuse this connection: ${why}`);
}

/** One transaction for every recipient the server can take (RFC 5321 section 3.3). */
async function transact(
  channel: Channel,
  state: SessionState,
  request: SessionRequest,
): Promise<{ sent: string[]; refused: RecipientOutcome[] }> {
  const { sender, body } = request;
  const screening = screenRecipients({
    sender,
    recipients: request.recipients,
    size: body.length,
    utf8Headers: hasHighBytes(body.subarray(0, headerEnd(body))),
    eightBit: hasHighBytes(body),
    capabilities: channel.ehlo ? parseEhlo(channel.ehlo) : NO_CAPABILITIES,
    server: `${request.target.host} [${request.target.ip}]`,
  });
  for (const refused of screening.refused) {
    state.recorder.noted(`${refused.address}: ${refused.reason ?? 'refused'}`);
  }
  if (screening.send.length === 0) return { sent: [], refused: screening.refused };

  // BODY=8BITMIME is declared when offered; screenRecipients kept 8-bit content from a server
  // without it.
  const envelope = {
    from: sender,
    to: screening.send,
    size: body.length,
    use8BitMime: request.eightBit,
  };
  const error = await sendMessage(channel.conn, envelope, messageSource(state, body, request));
  if (error) noteFailure(state, error);
  return { sent: screening.send, refused: screening.refused };
}

function hasHighBytes(bytes: Buffer): boolean {
  return bytes.some((b) => b > 0x7f);
}

/** Length of the header block, up to the blank line (RFC 5322 section 2.1). */
function headerEnd(body: Buffer): number {
  const end = body.indexOf('\r\n\r\n');
  return end === -1 ? body.length : end;
}

function createConnection(
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
function openSession(
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
function noteFailure(state: SessionState, error: unknown) {
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

/**
 * The body as nodemailer reads it: the Buffer itself, or a stream that ends (and so lets the
 * final dot go) only once beforeEndOfData has resolved.
 */
function messageSource(state: SessionState, body: Buffer, request: SessionRequest) {
  const beforeEnd = request.beforeEndOfData;
  if (!beforeEnd) return body;
  return Readable.from(
    (async function* () {
      yield body;
      try {
        await beforeEnd();
      } catch (error) {
        state.withheld = true;
        throw new EndOfDataWithheldError({ cause: error });
      }
    })(),
  );
}

/** Sends the envelope and the body; resolves with nodemailer's error, or null on success. */
function sendMessage(
  conn: SMTPConnection,
  envelope: { from: string; to: string[]; size: number; use8BitMime: boolean },
  body: Buffer | Readable,
): Promise<unknown> {
  // nodemailer's DataStream turns bare LF and bare CR into CRLF, stuffs a dot at the start of
  // each line (RFC 5321 section 4.5.2) and ends with CRLF.CRLF, from the Buffer as queued.
  return new Promise((resolve) => conn.send(envelope, body, (error) => resolve(error ?? null)));
}

/** RFC 5321 section 4.1.1.10: QUIT, and wait for its reply or the server closing. */
async function quit(conn: SMTPConnection): Promise<void> {
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

function finish(
  state: SessionState,
  stage: SessionStage,
  startedAt: Date,
  sent: string[],
  refused: RecipientOutcome[],
): SessionResult {
  const steps = state.recorder.finish();
  const { tls, error } = state;
  return { stage, startedAt, endedAt: new Date(), steps, tls, error, sent, refused };
}
