export { dsnAddress, dsnText, renderDeliveryStatus, rfc5322Date } from './delivery-status.ts';
export type { DeliveryStatusInput } from './delivery-status.ts';
export { ReceiptError } from './errors.ts';
export { buildConfirmation, buildFailureNotice, receiptRecipient } from './report.ts';
export type { Receipt, ReceiptInput } from './report.ts';
export { acceptedAt, actionFor, lastOutcomes, statusFor } from './reported.ts';
export type { DsnAction, ReportedRecipient } from './reported.ts';
export { renderSummary } from './summary.ts';
