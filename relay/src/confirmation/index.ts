export { buildConfirmation, buildFailureNotice } from './receipt.ts';
export type { Receipt, ReceiptInput } from './receipt.ts';
