import { ATTEMPT_OUTCOMES, STEP_KINDS } from '#shared';
import { REPORTED_MESSAGE_STATUSES, STORED_RECIPIENT_STATUSES } from '../messages/status.ts';
import { toEnumValue } from '../schema/type-defs.ts';

/** Maps each GraphQL enum value to the stored string it stands for. */
function enumValues(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((value) => [toEnumValue(value), value]));
}

/** Resolvers of the schema's enums: GraphQL UPPER_CASE names, contract lowercase values. */
export const enumResolvers = {
  MessageStatus: enumValues(REPORTED_MESSAGE_STATUSES),
  RecipientStatus: enumValues(STORED_RECIPIENT_STATUSES),
  AttemptOutcome: enumValues(ATTEMPT_OUTCOMES),
  StepKind: enumValues(STEP_KINDS),
};
