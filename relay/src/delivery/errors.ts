/** A delivery job that cannot be carried out as given (a programming error upstream). */
export class DeliveryJobError extends Error {
  override name = 'DeliveryJobError';
}

/** No TCP connection to a mail server within the connect timeout. */
export class ConnectTimeoutError extends Error {
  override name = 'ConnectTimeoutError';
  readonly code = 'ETIMEDOUT';
  readonly timeoutMs: number;

  constructor(address: string, timeoutMs: number) {
    super(`no connection to ${address} within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The message was written but its final dot withheld: the in-flight record could not be saved. */
export class EndOfDataWithheldError extends Error {
  override name = 'EndOfDataWithheldError';
  readonly code = 'EWITHHELD';

  constructor(options: { cause: unknown }) {
    super('final dot withheld: cannot record that the message is being sent', options);
  }
}
