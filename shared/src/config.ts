import { z } from 'zod';
import { ConfigError } from './errors.ts';

/**
 * Reads a service's settings from the environment in one pass. The schema's keys are the variable
 * names, so every problem is reported with the variable a person must fix, all at once.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `${name}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** An on/off switch: accepts true/false, 1/0, yes/no, on/off. */
export function envFlag(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');
}

/** A TCP port number (1-65535). */
export function envPort(defaultValue?: number) {
  const port = z.coerce.number().int().min(1).max(65535);
  return defaultValue === undefined ? port : port.default(defaultValue);
}

/** A positive integer, such as a limit or a duration in milliseconds. */
export function envPositiveInt(defaultValue: number) {
  return z.coerce.number().int().positive().default(defaultValue);
}

/**
 * A host name for SMTP greetings and Received lines: letters, digits, dots and hyphens only, so a
 * value carrying CR/LF or a second command never reaches the wire.
 */
export const hostNameSchema = z
  .string()
  .regex(
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    {
      message: 'must be a host name (letters, digits, dots and hyphens)',
    },
  );
