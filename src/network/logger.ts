/** The slice of pino's API the network layer logs through (structured fields first, then a message). */
export interface PeerLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

const ignore = (): void => undefined;
export const SILENT_LOGGER: PeerLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
