/**
 * Fields of Viewer (the User record): address and tenant resolve by name; messages is the
 * message log's (messages.ts).
 */
export const viewerResolvers = {};
