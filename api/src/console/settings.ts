import { resolve } from 'node:path';
import { z } from 'zod';
import { envPort, hostNameSchema } from '#shared';

/** Where `make` puts the console built by Vite (api/web/dist). */
export const DEFAULT_CONSOLE_DIR = resolve(import.meta.dirname, '..', '..', 'web', 'dist');

/**
 * The web console's settings (part of apiConfigSchema):
 * - `CONSOLE_DIR` (default `api/web/dist`): the built console; when the folder has no
 *   index.html, only /graphql and /healthz are served.
 * - `CONSOLE_TENANT` (optional): the tenant whose display name brands the console for people
 *   not signed in, and whose sign-up the sign-up page uses.
 * - `SMTP_HOST` (optional): the relay's host name shown in the configuration guide; unset, the
 *   host name the console was loaded from.
 * - `SMTP_STARTTLS_PORT` (default 587) and `SMTP_TLS_PORT` (default 465): the relay's
 *   submission ports shown in the guide.
 */
export const consoleSettingsShape = {
  CONSOLE_DIR: z.string().min(1).default(DEFAULT_CONSOLE_DIR),
  CONSOLE_TENANT: z.string().min(1).optional(),
  SMTP_HOST: z.union([hostNameSchema, z.ipv6()]).optional(),
  SMTP_STARTTLS_PORT: envPort(587),
  SMTP_TLS_PORT: envPort(465),
};

/** The console's settings as the server uses them. */
export interface ConsoleSettings {
  readonly dir: string;
  readonly tenant: string | undefined;
  readonly smtpHost: string | undefined;
  readonly startTlsPort: number;
  readonly tlsPort: number;
}
