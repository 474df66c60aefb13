// A job's `write` may run more than once for one outcome (jobs/types.ts): a
// busy database runs settle's transaction again, an unreachable one makes the
// runner settle the kept outcome again. A handler test wraps its handler in
// failingOnceAfterWrite to make that happen, and then counts the handler's
// log lines and callbacks: each must come once (they belong in `committed`).
import type { JobHandler, JobOutcome } from '../../src/jobs/types.js';

/**
 * The handler as it is, except that the first settle transaction of each of
 * its jobs fails with `fault()` right after its write ran (as a lock timeout
 * on the next statement, or a commit that does not land, would): the whole
 * transaction is rolled back and the write runs again. `writes` counts the
 * write's runs per kind, so a test can check the fault did bite.
 */
export function failingOnceAfterWrite<P>(h: JobHandler<P>, fault: () => Error, writes: Map<string, number>): JobHandler<P> {
  const failed = new Set<number>();
  return {
    ...h,
    async run(job, ctx): Promise<JobOutcome> {
      const outcome = await h.run(job, ctx);
      const write = outcome.write;
      if (!write) return outcome;
      return {
        ...outcome,
        write: async (trx, final) => {
          await write(trx, final);
          writes.set(h.kind, (writes.get(h.kind) ?? 0) + 1);
          if (failed.has(job.id)) return;
          failed.add(job.id);
          throw fault();
        },
      };
    },
  };
}
