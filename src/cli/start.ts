// `curation start` (what `npm start` runs): validate config, start, and shut
// down cleanly on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { ConfigError, envWithDotenv, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startService, StartupError } from '../service.js';
import type { Command } from './io.js';

export const startCommand: Command = async (argv, io) => {
  parseArgs({ args: argv, options: {}, allowPositionals: false });
  let config;
  try {
    config = loadConfig(envWithDotenv(io.env, io.cwd), io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(err.message);
      return 2;
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // Listened for from the start: a SIGTERM while start-up waits for the database ends the wait, cleanly.
  const stopping = new AbortController();
  const signalled = new Promise<string>((resolve) => {
    const onSignal = (sig: string) => {
      logger.info({ signal: sig }, 'shutting down');
      stopping.abort(new Error(`stopped by ${sig}`));
      resolve(sig);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  let service;
  try {
    service = await startService(config, logger, { signal: stopping.signal, settleHeap: true });
  } catch (err) {
    if (stopping.signal.aborted) {
      logger.info('stopped before the service started');
      logger.flush();
      return 0;
    }
    const message = err instanceof Error ? err.message : String(err);
    logger.fatal({ err: { message } }, err instanceof StartupError ? message : `could not start: ${message}`);
    logger.flush();
    return 1;
  }
  // A signal, or an identity another process took while the database was away: two processes must never share it.
  const ended = await Promise.race([signalled.then(() => null), service.failed]);
  if (ended !== null) logger.fatal({ instanceId: service.instanceId }, `stopping: ${ended}`);
  try {
    await service.stop();
  } catch (err) {
    logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'error during shutdown');
  }
  logger.flush();
  return ended === null ? 0 : 1;
};
