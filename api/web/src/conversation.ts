import type { Step } from './operations.ts';

/** Who a line of the conversation came from. */
export type Speaker = 'client' | 'server' | 'event';

/** One line of an SMTP conversation as the console shows it. */
export interface ConversationLine {
  readonly key: string;
  readonly speaker: Speaker;
  /** Milliseconds since the connection started. */
  readonly offsetMs: number;
  readonly text: string;
}

/**
 * A connection's steps as the lines of a conversation, in the order they happened: the relay's
 * command when it was sent, each reply line when the reply ended, an event (connect, TLS) with
 * what it says. Pipelined commands (RFC 2920) read as on the wire: commands, then replies.
 */
export function toConversation(steps: readonly Step[]): ConversationLine[] {
  const lines = steps.flatMap((step, index) => {
    const out: (ConversationLine & { order: number })[] = [];
    const end = step.offsetMs + step.elapsedMs;
    if (step.command !== null) {
      const text = step.command;
      out.push({ key: `${index}c`, speaker: 'client', offsetMs: step.offsetMs, text, order: 0 });
    }
    step.reply?.lines.forEach((text, line) => {
      out.push({ key: `${index}r${line}`, speaker: 'server', offsetMs: end, text, order: 1 });
    });
    if (step.note !== null) {
      const event = step.command === null && step.reply === null;
      const text = `${step.kind.toLowerCase().replaceAll('_', ' ')}: ${step.note}`;
      const offsetMs = event ? step.offsetMs : end;
      out.push({ key: `${index}n`, speaker: 'event', offsetMs, text, order: 2 });
    }
    return out.map((line) => ({ ...line, order: index * 3 + line.order }));
  });
  lines.sort((a, b) => a.offsetMs - b.offsetMs || a.order - b.order);
  return lines.map(({ key, speaker, offsetMs, text }) => ({ key, speaker, offsetMs, text }));
}

/** Milliseconds for a person: `+12.3 ms`, `+1.24 s`. */
export function formatOffset(ms: number): string {
  return ms < 1000 ? `+${ms.toFixed(1)} ms` : `+${(ms / 1000).toFixed(2)} s`;
}
