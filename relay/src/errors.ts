/**
 * A refusal to send to an SMTP client: the reply code and RFC 3463 enhanced status code chosen
 * on purpose, with a text that tells the person what to do. smtp-server writes it as
 * `<responseCode> <enhancedCode> <text>`.
 */
export class SmtpReplyError extends Error {
  override name = 'SmtpReplyError';
  readonly responseCode: number;
  readonly enhancedCode: string;
  readonly text: string;

  constructor(responseCode: number, enhancedCode: string, text: string, options?: ErrorOptions) {
    // smtp-server sends err.message; it carries the enhanced code so that our code, not the
    // library's default for the reply code, is the one the client sees.
    super(`${enhancedCode} ${text}`, options);
    this.responseCode = responseCode;
    this.enhancedCode = enhancedCode;
    this.text = text;
  }
}

/** The queue (JetStream) could not take a message or entry. */
export class QueueError extends Error {
  override name = 'QueueError';
}

/** The quota store could not be read or updated (shared with the API's test messages). */
export { QuotaStoreError } from '#shared';
