import type { Reply, StepKind, TranscriptStep } from '#shared';
import { classifyCommand, MASK, maskCommand } from './command.ts';
import { parseReplyBytes, parseReplyText, replyClass } from './reply.ts';

/** Steps without an SMTP reply, opened and closed by connection events. */
export type EventKind = 'connect' | 'tls';

/**
 * Turns the events of one SMTP client connection into ordered transcript steps. It knows SMTP
 * but no client library: an adapter feeds it what was sent and received. All times come from
 * the injected clock, so the same events always give the same steps.
 */
export interface StepRecorder {
  /** Opens the connect step; `note` names the address connected to. */
  connecting(note: string): void;
  /** Closes the connect step and starts waiting for the banner. */
  connected(note: string): void;
  /**
   * Records a command line as sent (without CRLF). Its reply is the first reply not yet taken:
   * replies come in command order, also when pipelined (RFC 2920 section 3.1).
   */
  sent(line: string): void;
  /**
   * Records one whole reply; a multi-line reply arrives as one text, lines joined by LF. `raw`,
   * when the adapter captured them, are the reply's exact bytes: they are kept, and the lines are
   * read from them, unless they are not the same reply as `text` (a different code).
   */
  received(text: string, raw?: Uint8Array | null): void;
  /** The message was written: `octets` on the wire, dot-stuffed, with the final dot. */
  messageSent(octets: number): void;
  /** Closes the TLS handshake step that a 2xx reply to STARTTLS opened. */
  tlsEstablished(note: string): void;
  /** A failure outside SMTP: closes the open connect or TLS step with it, or adds an error step. */
  failed(note: string): void;
  /** A decision made without the server (e.g. not to send to it): adds an error step. */
  noted(note: string): void;
  /** A fact about the connection that is neither traffic nor failure: adds a note step. */
  remarked(note: string): void;
  /** The connect or TLS step still in progress, if any. */
  openEvent(): EventKind | null;
  /** The steps so far, in the order they started; steps in progress have their time so far. */
  steps(): TranscriptStep[];
  /** Ends the recording: steps still waiting for a reply are closed with a note. */
  finish(): TranscriptStep[];
}

export interface StepRecorderOptions {
  /**
   * Clock in epoch milliseconds, fractions allowed; default the high-resolution clock, so that
   * the order of pipelined commands and replies shows in the offsets. The first reading is the
   * connection's start.
   */
  now?: () => number;
}

/** Epoch milliseconds with sub-millisecond resolution. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Offsets and durations are kept to the microsecond. */
function micros(ms: number): number {
  return Math.max(0, Math.round(ms * 1000) / 1000);
}

interface Draft {
  kind: StepKind;
  startMs: number;
  endMs: number | null;
  command: string | null;
  reply: Reply | null;
  note: string | null;
}

interface RecorderState {
  now: () => number;
  originMs: number;
  drafts: Draft[];
  /** Steps waiting for a reply, oldest first. */
  waiting: Draft[];
  /** The connect or TLS step in progress. */
  event: Draft | null;
  /** True from an AUTH command until its exchange ends: continuation lines carry credentials. */
  sasl: boolean;
}

export function createStepRecorder(options: StepRecorderOptions = {}): StepRecorder {
  const now = options.now ?? preciseNow;
  const state: RecorderState = {
    now,
    originMs: now(),
    drafts: [],
    waiting: [],
    event: null,
    sasl: false,
  };
  return {
    connecting: (note) => {
      state.event = open(state, 'connect', null, note, false);
    },
    connected: (note) => {
      closeEvent(state, note);
      open(state, 'banner', null, null, true);
    },
    sent: (line) => sent(state, line),
    received: (text, raw) => received(state, text, raw ?? null),
    messageSent: (octets) => {
      const message = pendingMessage(state);
      if (message) message.command = `<message: ${octets} octets>`;
    },
    tlsEstablished: (note) => {
      if (state.event?.kind === 'tls') closeEvent(state, note);
    },
    failed: (note) => failed(state, note),
    noted: (note) => {
      open(state, 'error', null, note, false).endMs = state.now();
    },
    remarked: (note) => {
      open(state, 'note', null, note, false).endMs = state.now();
    },
    openEvent: () => openEvent(state),
    steps: () => snapshot(state, state.now()),
    finish: () => finish(state),
  };
}

function open(
  state: RecorderState,
  kind: StepKind,
  command: string | null,
  note: string | null,
  waits: boolean,
): Draft {
  const draft: Draft = { kind, startMs: state.now(), endMs: null, command, reply: null, note };
  state.drafts.push(draft);
  if (waits) state.waiting.push(draft);
  return draft;
}

function closeEvent(state: RecorderState, note: string) {
  if (!state.event) return;
  state.event.endMs = state.now();
  state.event.note = note;
  state.event = null;
}

function openEvent(state: RecorderState): EventKind | null {
  const kind = state.event?.kind;
  return kind === 'connect' || kind === 'tls' ? kind : null;
}

function pendingMessage(state: RecorderState): Draft | undefined {
  return state.waiting.find((d) => d.kind === 'message' && d.command === null);
}

function sent(state: RecorderState, line: string) {
  const message = pendingMessage(state);
  // nodemailer ends an empty message with a lone dot when no recipient was accepted.
  if (message && line === '.') {
    message.command = line;
    return;
  }
  if (state.sasl) {
    open(state, 'command', MASK, null, true);
    return;
  }
  const kind = classifyCommand(line);
  if (kind === 'command' && /^AUTH\b/i.test(line)) state.sasl = true;
  open(state, kind, maskCommand(line), null, true);
}

function received(state: RecorderState, text: string, raw: Uint8Array | null) {
  const reply = readReply(text, raw);
  const draft =
    state.waiting.shift() ?? open(state, 'command', null, 'reply without a command', false);
  draft.endMs = state.now();
  draft.reply = reply;
  if (!reply) draft.note = `unparseable reply: ${JSON.stringify(text)}`;
  if (state.sasl) state.sasl = reply?.code === 334;
  if (reply) followUp(state, draft, reply);
}

function readReply(text: string, raw: Uint8Array | null): Reply | null {
  const fromText = parseReplyText(text);
  const fromBytes = raw ? parseReplyBytes(raw) : null;
  // A capture out of step with the client library (it should never be) is not trusted.
  return fromBytes && fromBytes.code === fromText?.code ? fromBytes : fromText;
}

function followUp(state: RecorderState, draft: Draft, reply: Reply) {
  const klass = replyClass(reply);
  // RFC 5321 section 4.1.1.4: after 354 the message follows and gets its own reply. Like
  // nodemailer, a 2xx to DATA is taken as go-ahead too.
  if (draft.kind === 'data' && (klass === 3 || klass === 2)) {
    open(state, 'message', null, null, true);
  }
  // RFC 3207 section 4: after 220 to STARTTLS the TLS handshake starts at once.
  if (draft.kind === 'starttls' && klass === 2) {
    state.event = open(state, 'tls', null, null, false);
  }
}

function failed(state: RecorderState, note: string) {
  if (state.event) {
    const prefix = state.event.note ? `${state.event.note}: ` : '';
    closeEvent(state, `${prefix}failed: ${note}`);
  } else {
    open(state, 'error', null, note, false).endMs = state.now();
  }
}

function finish(state: RecorderState): TranscriptStep[] {
  const endMs = state.now();
  if (state.event) {
    const prefix = state.event.note ? `${state.event.note}: ` : '';
    closeEvent(state, `${prefix}not completed`);
  }
  for (const draft of state.waiting.splice(0)) {
    draft.endMs = endMs;
    draft.note = 'no reply';
  }
  return snapshot(state, endMs);
}

function snapshot(state: RecorderState, endMs: number): TranscriptStep[] {
  return state.drafts.map((d) => ({
    kind: d.kind,
    at: new Date(Math.floor(d.startMs)).toISOString(),
    offsetMs: micros(d.startMs - state.originMs),
    elapsedMs: micros((d.endMs ?? endMs) - d.startMs),
    command: d.command,
    reply: d.reply,
    note: d.note,
  }));
}
