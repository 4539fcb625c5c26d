import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import type { Logger } from '#shared';

/** The limits a relay enforces per user and message; they can change while it runs. */
export interface RelayLimits {
  /** Messages per user per rolling window. */
  dailyLimit: number;
  /** Most recipients per message. */
  maxRecipients: number;
  /** Largest message accepted, in octets. */
  maxMessageSize: number;
}

/**
 * The policy file the operator writes into the relay's ConfigMap (QuotaPolicy spec fields).
 *
 * LIMITATION: connectionsPerUser is accepted but not enforced; a user may open any number of
 * SMTP sessions at once.
 */
const policyFileSchema = z.object({
  messagesPerDay: z.number().int().positive(),
  recipientsPerMessage: z.number().int().positive(),
  maxMessageSize: z.number().int().positive(),
  connectionsPerUser: z.number().int().positive().optional(),
});

/** Limits read from a file and re-read when it changes, so a quota edit needs no restart. */
export interface LivePolicy {
  current(): RelayLimits;
  close(): void;
}

export interface LivePolicyOptions {
  file: string;
  /** Limits until the file is read, and whenever it cannot be: the relay's environment. */
  fallback: RelayLimits;
  log: Logger;
  /** Called when the limits change after start (for the submission server's SIZE). */
  onChange?(limits: RelayLimits): void;
}

/**
 * Watches the file's directory, not the file: Kubernetes updates a mounted ConfigMap by
 * swapping a symlink (..data) in that directory, which a watch on the old file never sees.
 * Any event there re-reads the file; an unreadable or invalid file keeps the limits in force.
 */
export async function createLivePolicy(options: LivePolicyOptions): Promise<LivePolicy> {
  const log = options.log.child({ policyFile: options.file });
  let limits = options.fallback;
  let lastText = '';
  let reading: Promise<void> = Promise.resolve();

  let started = false;

  async function reload(): Promise<void> {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      log.warn({ err: error }, 'cannot read policy file; keeping limits');
      return;
    }
    if (text === lastText) return;
    lastText = text;
    const next = parsePolicy(text);
    if (!next) {
      log.warn('invalid policy file; keeping limits');
      return;
    }
    limits = next;
    log.info(limits, 'policy loaded');
    if (started) options.onChange?.(limits);
  }

  await reload();
  started = true;
  const name = basename(options.file);
  const watcher: FSWatcher = watch(dirname(options.file), (_event, changed) => {
    // Our file, or the ..data symlink swap (reported under its own name).
    if (changed !== null && changed !== name && !changed.startsWith('..')) return;
    reading = reading.then(reload);
  });
  watcher.on('error', (error) => log.warn({ err: error }, 'policy watch failed'));

  return {
    current: () => limits,
    close: () => watcher.close(),
  };
}

/** Limits from the policy file's text, or undefined when it is not a valid policy. */
export function parsePolicy(text: string): RelayLimits | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = policyFileSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return {
    dailyLimit: parsed.data.messagesPerDay,
    maxRecipients: parsed.data.recipientsPerMessage,
    maxMessageSize: parsed.data.maxMessageSize,
  };
}
