// Run from the repository root after `npm run build` (bench/profiles/issue21/ignored4.md).
/* global process, console */
const ROOT = process.cwd() + '/';
const { default: pino } = await import(`${ROOT}node_modules/pino/pino.js`);
const { lazyRequestLogger } = await import(`${ROOT}dist/src/server/request-logger.js`);
const parent = pino({ level: 'info' }, { write() {} });
class Lazy { #p; #b; #o; #c;
  constructor(p, b, o) { this.#p = p; this.#b = b; this.#o = o; }
  #real() { return (this.#c ??= this.#p.child(this.#b, this.#o)); }
  get level() { return this.#real().level; } set level(l) { this.#real().level = l; }
  fatal(...a) { this.#real().fatal(...a); } error(...a) { this.#real().error(...a); } warn(...a) { this.#real().warn(...a); }
  info(...a) { this.#real().info(...a); } debug(...a) { this.#real().debug(...a); } trace(...a) { this.#real().trace(...a); } silent(...a) { this.#real().silent(...a); }
  child(b, o) { return this.#real().child(b, o); } }
const N = 2e6; let _keep = 0;
for (let r = 0; r < 3; r++) for (const [name, f] of [['lazyRequestLogger (dist: closures before 22e42a1, a class after)', lazyRequestLogger], ['class', (p, b, o) => new Lazy(p, b, o)]]) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) { const l = f(parent, { reqId: 'req-' + i }, {}); if (typeof l.info === 'function') _keep++; }
  const c = process.cpuUsage(t0); console.log(name, ((c.user + c.system) * 1000 / N).toFixed(0), 'ns/request');
}
