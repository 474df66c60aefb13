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
  let service;
  try {
    service = await startService(config, logger);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.fatal({ err: { message } }, err instanceof StartupError ? message : `could not start: ${message}`);
    logger.flush();
    return 1;
  }
  const s = service;
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      logger.info({ signal: sig }, 'shutting down');
      s.stop().then(resolve, (err: unknown) => {
        logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'error during shutdown');
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  logger.flush();
  return 0;
};
