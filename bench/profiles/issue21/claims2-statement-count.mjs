// Counts the service's SQLite statements by the start of their SQL text, and
// how many changed or returned nothing (issue 21, branch claims2). Preload it:
// BENCH_SERVICE_NODE_ARGS="--import $PWD/bench/profiles/issue21/claims2-statement-count.mjs"
// BENCH_SERVICE_ENV='{"STMT_COUNT_OUT":"/tmp/counts"}': written to /tmp/counts.<pid>.json.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const counts = {};
const key = (sql) => sql.replace(/\s+/g, ' ').trim().slice(0, 60);
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (sql) {
  const st = prepare.call(this, sql);
  const k = key(sql);
  for (const m of ['run', 'all', 'get', 'iterate']) {
    const f = st[m];
    if (typeof f !== 'function') continue;
    st[m] = function (...a) {
      const r = f.apply(this, a);
      const c = (counts[k] ??= { n: 0, empty: 0 });
      c.n++;
      if ((m === 'all' && Array.isArray(r) && r.length === 0) || (m === 'run' && r && r.changes === 0)) c.empty++;
      return r;
    };
  }
  return st;
};
const out = process.env.STMT_COUNT_OUT;
const dump = () => {
  if (out) fs.writeFileSync(`${out}.${process.pid}.json`, JSON.stringify(counts, null, 1));
};
process.on('exit', dump);
setInterval(dump, 2000).unref();
