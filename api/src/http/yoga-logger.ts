import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from '#shared';

/** Yoga's log calls, sent to pino at the same level with their arguments as a field. */
export function createYogaLogger(log: Logger): YogaLogger {
  const forward = (level: 'debug' | 'info' | 'warn' | 'error') => {
    return (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (first instanceof Error) log[level]({ err: first, args: rest }, 'yoga');
      else log[level]({ args }, 'yoga');
    };
  };
  return {
    debug: forward('debug'),
    info: forward('info'),
    warn: forward('warn'),
    error: forward('error'),
  };
}
