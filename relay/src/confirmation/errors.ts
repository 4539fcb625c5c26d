/** A receipt cannot be built from what it was given; the cause, if any, is kept. */
export class ReceiptError extends Error {
  override name = 'ReceiptError';
}
