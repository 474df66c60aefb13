// ICU data and .text pages of the node binary made resident by using one
// start package as the floor server does (memory4.md): liquidjs's constructor
// is the one that touches ICU (it asks Intl for the default locale).
/* global process, console */
import { execFileSync } from 'node:child_process';
const what = process.argv[2];
const icu = (label) => { const out = execFileSync(process.execPath, ['/work/wt/memory4/bench/profiles/issue21/memory4-node-pages.mjs', String(process.pid)], { encoding: 'utf8' }); console.log(label.padEnd(28), /ICU data ([\d.]+)/.exec(out)?.[1], /\.text ([\d.]+)/.exec(out)?.[1]); };
icu('start');
if (what === 'pino') { const { default: pino } = await import('pino'); pino({ name: 'x' }).info('hello'); }
if (what === 'prom') { const { Registry, collectDefaultMetrics } = await import('prom-client'); collectDefaultMetrics({ register: new Registry() }); }
if (what === 'liquid') { const { Liquid } = await import('liquidjs'); new Liquid({ templates: {} }).parse('{{ a }}'); }
if (what === 're2') { const { RE2JS } = await import('re2js'); RE2JS.compile('^[a-z]+$'); }
if (what === 'zod') { const { z } = await import('zod'); z.object({ a: z.string() }).parse({ a: 'x' }); }
if (what === 'yaml') { const { parse } = await import('yaml'); parse('a: 1\n'); }
if (what === 'fastify') { const { default: F } = await import('fastify'); const app = F(); app.post('/x', () => ({})); await app.ready(); }
if (what === 'date') { new Date().toString(); }
if (what === 'sqlite') { const { default: D } = await import('better-sqlite3'); const d = new D(':memory:'); d.prepare('select 1').get(); }
icu(what);
