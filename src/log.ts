// One pino logger for the process; modules take a child with their own `module` field.
import pino, { type Logger } from 'pino';

export type { Logger };

let root: Logger | null = null;

export function rootLogger(): Logger {
  if (!root) {
    root = pino({
      level: process.env.LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    });
  }
  return root;
}

export function setLogLevel(level: string): void {
  rootLogger().level = level;
}

export function logger(module: string): Logger {
  return rootLogger().child({ module });
}

/** A logger that drops everything, for tests and libraries used quietly. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
