// Raw transports against the fake Channel Talk, for transport.md: node:http,
// the npm package undici (not a dependency: run this from a scratch directory
// with `npm install undici@8`) and global fetch. CPU per POST, 16 in flight.
// Start a fake (the bench's startFake), then:
//   node transport-undici-cmp.mjs http|undici|fetch FAKE_URL 4000
/* global process, console, fetch, Buffer */
import http from 'node:http';

const [mode, url, nStr] = process.argv.slice(2);
const N = Number(nStr);
const rss0 = process.memoryUsage().rss;
const body = JSON.stringify({ blocks: [{ type: 'text', value: '안녕하세요 오늘의 식단 안내입니다 '.repeat(8) }], requestId: 'x' });
const headers = { 'x-access-key': 'bench-key', 'x-access-secret': 'bench-secret', 'content-type': 'application/json', accept: 'application/json' };
const path = '/open/v5/user-chats/g1/messages?botName=Trainer';
const bodyFor = (i) => body.replace('"x"', `"${mode}-${i}"`);

async function viaUndici() {
  const { Pool } = await import('undici');
  const pool = new Pool(url, { connections: 16 });
  return async (i) => {
    const r = await pool.request({ method: 'POST', path, headers, body: bodyFor(i) });
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(String(r.statusCode));
  };
}

function viaFetch() {
  return async (i) => {
    const r = await fetch(url + path, { method: 'POST', headers, body: bodyFor(i), redirect: 'manual' });
    await r.text();
    if (r.status !== 200) throw new Error(String(r.status));
  };
}

function viaHttp() {
  return (i) =>
    new Promise((resolve, reject) => {
      const b = bodyFor(i);
      const req = http.request(url + path, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(b) } }, (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          Buffer.concat(chunks).toString();
          if (res.statusCode === 200) resolve();
          else reject(new Error(String(res.statusCode)));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(b);
    });
}

const one = mode === 'undici' ? await viaUndici() : mode === 'fetch' ? viaFetch() : viaHttp();
const run = async (n) => {
  let i = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (i < n) await one(i++);
    }),
  );
};
const rssImport = process.memoryUsage().rss;
await run(300);
const c0 = process.cpuUsage();
await run(N);
const c = process.cpuUsage(c0);
const mb = (b) => Math.round(b / 1e6);
console.log(JSON.stringify({ mode, cpuUsPerCall: Math.round((c.user + c.system) / N), rssStartMB: mb(rss0), rssAfterImportMB: mb(rssImport), rssEndMB: mb(process.memoryUsage().rss) }));
process.exit(0);
