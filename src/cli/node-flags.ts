// The V8 flags the service runs with. Node has no way to set them from inside
// a running process (the heap is sized when the process starts), so every
// launcher passes them: `npm start` (package.json), the Dockerfile's CMD and
// the systemd unit; test/cli/node-flags.test.ts checks the three carry this
// list, and the benchmark starts the service with it.
//
// --max-semi-space-size=4: V8's young generation may grow to two 16 MB
// semi-spaces, and did so during start-up, where it then stayed: 32 MB of an
// idle process that holds about 25 MB of live objects. Capped at 4 MB per
// semi-space, the idle service is about 20 MB smaller and the peak under
// intake about 15 MB; the cost is more frequent scavenges, measured at about
// 3 % of the CPU under the intake benchmark (the share of GC in a profile,
// 2.5 -> 5.8 % acted, 4.2 -> 7.6 % ignored).
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

// The environment the service process starts with, for what Node cannot
// change once running either: glibc's malloc reads it when the process starts.
// The Dockerfile (ENV) and the systemd unit (Environment=) set it, and the
// benchmark; `npm start` does not, since its script also runs under Windows'
// cmd.exe, which cannot set a variable for one command.
//
// MALLOC_ARENA_MAX=2: glibc gives threads that allocate at once arenas of
// their own, up to 8 per core (V8's compiler and GC threads, libuv's pool),
// and memory freed in one arena serves only that arena. With two, the idle
// service held 1-5 MB less (10 of 11 pairs; 11 of 11 a few seconds later),
// with no CPU cost per webhook seen (issue 21, BENCHMARKS.md "Memory").
export const SERVICE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
