// Raw transports against the fake Channel Talk, for transport.md: node:http, the npm package undici (not a dependency:
// install it next to this file in a scratch dir, npm install undici@8) and global fetch. Start a fake (the bench's startFake),
// then: node transport-undici-cmp.mjs http|undici|fetch FAKE_URL 4000
// Raw transports against the fake: CPU per POST (16 in flight). node cmp.mjs MODE URL N
import http from 'node:http';
const [mode, url, nStr] = process.argv.slice(2);
const N = Number(nStr);
const rss0 = process.memoryUsage().rss;
const body = JSON.stringify({ blocks: [{ type: 'text', value: '안녕하세요 오늘의 식단 안내입니다 '.repeat(8) }], requestId: 'x' });
const headers = { 'x-access-key': 'bench-key', 'x-access-secret': 'bench-secret', 'content-type': 'application/json', accept: 'application/json' };
const path = '/open/v5/user-chats/g1/messages?botName=Trainer';
let one;
if (mode === 'undici') {
  const { Pool } = await import('undici');
  const pool = new Pool(url, { connections: 16 });
  one = async (i) => { const r = await pool.request({ method: 'POST', path, headers, body: body.replace('"x"', `"u${i}"`) }); const t = await r.body.text(); if (r.statusCode !== 200) throw new Error(r.statusCode + t); };
} else if (mode === 'fetch') {
  one = async (i) => { const r = await fetch(url + path, { method: 'POST', headers, body: body.replace('"x"', `"f${i}"`), redirect: 'manual' }); await r.text(); if (r.status !== 200) throw new Error(String(r.status)); };
} else {
  one = (i) => new Promise((res, rej) => { const b = body.replace('"x"', `"h${i}"`); const q = http.request(url + path, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(b) } }, (r) => { const c = []; r.on('data', (d) => c.push(d)); r.on('end', () => { Buffer.concat(c).toString(); r.statusCode === 200 ? res() : rej(new Error(String(r.statusCode))); }); r.on('error', rej); }); q.on('error', rej); q.end(b); });
}
const run = async (n) => { let i = 0; await Promise.all(Array.from({ length: 16 }, async () => { while (i < n) await one(i++); })); };
const rssImport = process.memoryUsage().rss;
await run(300);
const c0 = process.cpuUsage();
await run(N);
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ mode, cpuUsPerCall: Math.round((c.user + c.system) / N), rssStartMB: Math.round(rss0 / 1e6), rssAfterImportMB: Math.round(rssImport / 1e6), rssEndMB: Math.round(process.memoryUsage().rss / 1e6) }));
process.exit(0);
