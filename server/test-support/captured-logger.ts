import { Writable } from 'node:stream';
import { createLogger } from '../infrastructure/logger.ts';

/** A debug-level logger whose output a test reads back as one string. */
export function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), output: () => lines.join('') };
}
