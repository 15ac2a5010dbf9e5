// Structured logs on stderr, quiet unless asked: --log-level or KNET_LOG_LEVEL.
import pino, { type Logger } from 'pino';

export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let current: Logger = pino({ level: process.env.KNET_LOG_LEVEL ?? 'silent' }, pino.destination(2));

export function setLogLevel(level: string): void {
  current = pino({ level }, pino.destination(2));
}

export function log(): Logger {
  return current;
}
