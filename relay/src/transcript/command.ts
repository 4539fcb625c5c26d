import type { StepKind } from '#shared';

/** What a secret in a recorded command is replaced with. */
export const MASK = '****';

const VERB_KINDS: Readonly<Record<string, StepKind>> = {
  EHLO: 'ehlo',
  HELO: 'helo',
  LHLO: 'ehlo',
  STARTTLS: 'starttls',
  MAIL: 'mail',
  RCPT: 'rcpt',
  DATA: 'data',
  RSET: 'rset',
  QUIT: 'quit',
};

/** The step kind of a command line, by its verb; 'command' for any other verb (NOOP, AUTH, …). */
export function classifyCommand(line: string): StepKind {
  const verb = /^[A-Za-z]+/.exec(line)?.[0].toUpperCase() ?? '';
  return VERB_KINDS[verb] ?? 'command';
}

/**
 * A command as it may be recorded: `AUTH <mechanism> <initial response>` keeps only the
 * mechanism (RFC 4954 section 4), anything else is returned unchanged. SASL continuation lines
 * are masked by the recorder, which knows that an AUTH exchange is in progress.
 */
export function maskCommand(line: string): string {
  const auth = /^(AUTH\s+\S+)\s+\S/i.exec(line);
  return auth?.[1] ? `${auth[1]} ${MASK}` : line;
}
