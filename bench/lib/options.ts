// Suite options from the environment. BENCH_QUICK=1 shrinks every stage to a
// smoke run; BENCH_STAGES picks stages; the rest override single numbers.

export const STAGES = ['calc', 'intake', 'e2e', 'ratelimit', 'pacing', 'scale', 'postgres'] as const;
export type StageName = (typeof STAGES)[number];

export interface BenchOptions {
  quick: boolean;
  stages: StageName[];
  out: string | null;
  calcSeconds: number;
  intakeSeconds: number;
  intakeWarmupS: number;
  connections: number;
  e2eWebhooks: number;
  /** The acted sustained-rate search (intake stage): seconds per fixed-rate step, and the most steps. */
  sustainedStepS: number;
  sustainedSteps: number;
  rateLimitPerSecond: number;
  rateLimitChats: number;
  pacingChats: number;
  pacingScale: number;
  scaleSizes: [number, number];
  scaleSeconds: number;
  /** Admin URL of a PostgreSQL server for the postgres stage; the stage is skipped without it. */
  postgresUrl: string | null;
}

function num(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number, got '${raw}'`);
  return v;
}

export function benchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const stages = (env.BENCH_STAGES ?? STAGES.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of stages) if (!(STAGES as readonly string[]).includes(s)) throw new Error(`BENCH_STAGES: unknown stage '${s}' (stages: ${STAGES.join(', ')})`);
  return {
    quick,
    stages: stages as StageName[],
    out: env.BENCH_OUT === '' ? null : (env.BENCH_OUT ?? null),
    calcSeconds: num(env, 'BENCH_CALC_SECONDS', quick ? 0.3 : 2),
    intakeSeconds: num(env, 'BENCH_INTAKE_SECONDS', quick ? 2 : 10),
    intakeWarmupS: num(env, 'BENCH_INTAKE_WARMUP_SECONDS', quick ? 0.5 : 2),
    connections: num(env, 'BENCH_CONNECTIONS', 32),
    e2eWebhooks: num(env, 'BENCH_E2E_WEBHOOKS', quick ? 100 : 1000),
    sustainedStepS: num(env, 'BENCH_SUSTAINED_STEP_SECONDS', quick ? 2 : 4),
    sustainedSteps: num(env, 'BENCH_SUSTAINED_STEPS', quick ? 4 : 6),
    rateLimitPerSecond: num(env, 'BENCH_RATE_LIMIT', 50),
    rateLimitChats: num(env, 'BENCH_RATE_LIMIT_CHATS', quick ? 10 : 40),
    pacingChats: num(env, 'BENCH_PACING_CHATS', quick ? 5 : 30),
    pacingScale: num(env, 'BENCH_PACING_SCALE', 0.1),
    scaleSizes: [num(env, 'BENCH_SCALE_SMALL', quick ? 1000 : 10_000), num(env, 'BENCH_SCALE_LARGE', quick ? 20_000 : 1_000_000)],
    scaleSeconds: num(env, 'BENCH_SCALE_SECONDS', quick ? 2 : 6),
    postgresUrl: env.BENCH_POSTGRES_URL?.trim() || null,
  };
}
