// Several Channel Talk channels in one deployment. Each has its own
// credentials, webhook tokens, bot name and curation set, described in a
// channels.yaml validated like a curation file. Secrets stay out of the file:
// `${VAR}` is replaced from the environment.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseYaml, schemaErrors, errorAt } from './curation/yaml-errors.js';
import { formatLoadError } from './curation/load-errors.js';
import type { Env } from './config.js';

export interface ChannelConfig {
  /** Our name for it, used in logs. */
  name: string;
  /** Channel Talk's channel id; null accepts deliveries of any channel (the single-channel setup). */
  channelId: string | null;
  accessKey: string;
  accessSecret: string;
  webhookTokens: string[];
  botName: string | undefined;
  curationsDir: string;
}

const ChannelSchema = z.strictObject({
  name: z.string().trim().min(1).regex(/^[\w.-]+$/, { error: 'use letters, digits, dot, dash or underscore' }),
  channelId: z.union([z.string().trim().min(1), z.number().int()]).transform(String),
  accessKey: z.string().trim().min(1, { error: 'is empty: set it (e.g. ${SHOP_ACCESS_KEY}) to the access key from the desk' }),
  accessSecret: z.string().trim().min(1, { error: 'is empty: set it (e.g. ${SHOP_ACCESS_SECRET}) to the access secret from the desk' }),
  webhookTokens: z.array(z.string().trim().min(1)).min(1, { error: 'needs at least one token (desk: Settings > Webhook)' }),
  botName: z.string().trim().min(1).optional(),
  curationsDir: z.string().trim().min(1),
});

export const ChannelsFileSchema = z.strictObject({
  channels: z.array(ChannelSchema).min(1, { error: 'list at least one channel' }),
});

export class ChannelsFileError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/** Reads channels.yaml; every problem becomes one `file:line path: sentence` line. */
export function loadChannelsFile(file: string, env: Env): ChannelConfig[] {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ChannelsFileError([`${shown} cannot be read: check CHANNELS_FILE`]);
  }
  const parsed = parseYaml(shown, text);
  if (!parsed.ok) throw new ChannelsFileError(parsed.errors.map(formatLoadError));
  const source = parsed.source;
  const missing: string[] = [];
  const value = interpolate(source.doc.toJS() as unknown, env, missing);
  if (missing.length > 0) {
    throw new ChannelsFileError([...new Set(missing)].map((v) => `${shown} \${${v}} is not set in the environment: set ${v} or write the value`));
  }
  const result = ChannelsFileSchema.safeParse(value);
  if (!result.success) throw new ChannelsFileError(schemaErrors(source, result.error).map(formatLoadError));
  const channels = result.data.channels;
  const problems: string[] = [];
  const seen = new Map<string, number>();
  channels.forEach((c, i) => {
    for (const [key, v] of [['name', c.name], ['channelId', c.channelId]] as const) {
      const k = `${key}:${v}`;
      if (seen.has(k)) problems.push(formatLoadError(errorAt(source, ['channels', i, key], `${key} '${v}' is used twice`)));
      seen.set(k, i);
    }
  });
  const tokens = new Map<string, string>();
  channels.forEach((c, i) =>
    c.webhookTokens.forEach((t, j) => {
      const other = tokens.get(t);
      // A token must name one channel, or a delivery could be routed to the wrong shop.
      if (other && other !== c.name) problems.push(formatLoadError(errorAt(source, ['channels', i, 'webhookTokens', j], `this token is also one of ${other}'s`)));
      tokens.set(t, c.name);
    }),
  );
  if (problems.length > 0) throw new ChannelsFileError(problems);
  const base = path.dirname(file);
  return channels.map((c) => ({ ...c, botName: c.botName, curationsDir: path.resolve(base, c.curationsDir) }));
}

function interpolate(v: unknown, env: Env, missing: string[]): unknown {
  if (typeof v === 'string') {
    return v.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_m, name: string) => {
      const value = env[name];
      if (value === undefined || value === '') missing.push(name);
      return value ?? '';
    });
  }
  if (Array.isArray(v)) return v.map((x) => interpolate(x, env, missing));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolate(x, env, missing)]));
  return v;
}
