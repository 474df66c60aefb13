// Which of the node binary's pages a process has resident, by part of the
// binary: .text (Node, V8 with its embedded builtins, OpenSSL...), ICU's data
// (the symbol icudt*_dat in .rodata), the rest of .rodata, other sections.
// Reads /proc/PID/maps and the present bit of /proc/PID/pagemap (the same
// user may read it; no privilege needed for the present bit).
//   node memory4-node-pages.mjs PID [PID...]
/* global process, console, Buffer */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

function sections(bin) {
  const out = execFileSync('readelf', ['-S', '-W', bin], { encoding: 'utf8' });
  const list = [];
  for (const line of out.split('\n')) {
    const m = /\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
    if (m && Number.parseInt(m[2], 16) > 0) list.push({ name: m[1], off: Number.parseInt(m[3], 16), size: Number.parseInt(m[4], 16) });
  }
  const nm = execFileSync('sh', ['-c', 'nm -D -S --defined-only "$1" | grep " icudt"', 'sh', bin], { encoding: 'utf8' });
  const icu = /^([0-9a-f]+) ([0-9a-f]+) R icudt\d+_dat$/m.exec(nm);
  // .rodata's file offset = its address - 0x400000 here (readelf: Address - Off); ICU's symbol is an address.
  const ro = list.find((s) => s.name === '.rodata');
  const roAddr = Number.parseInt(/\]\s+\.rodata\s+\S+\s+([0-9a-f]+)/.exec(out)[1], 16);
  const icuOff = icu ? Number.parseInt(icu[1], 16) - roAddr + ro.off : -1;
  return { list, icu: icu ? { off: icuOff, size: Number.parseInt(icu[2], 16) } : null };
}

function classify(off, s) {
  if (s.icu && off >= s.icu.off && off < s.icu.off + s.icu.size) return 'ICU data';
  for (const sec of s.list) if (off >= sec.off && off < sec.off + sec.size) return sec.name === '.rodata' ? '.rodata (not ICU)' : sec.name;
  return 'other';
}

for (const pid of process.argv.slice(2)) {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => /\/bin\/node$/.test(l));
  const bin = maps[0].split(/\s+/).pop();
  const s = sections(bin);
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  const tally = {};
  for (const l of maps) {
    const [range, , offHex] = l.split(/\s+/);
    const [a, b] = range.split('-').map((h) => Number.parseInt(h, 16));
    const fileOff = Number.parseInt(offHex, 16);
    const pages = (b - a) / 4096;
    const buf = Buffer.alloc(pages * 8);
    readSync(fd, buf, 0, buf.length, (a / 4096) * 8);
    for (let i = 0; i < pages; i++) {
      const present = (buf.readBigUInt64LE(i * 8) >> 63n) & 1n;
      if (present) {
        const k = classify(fileOff + i * 4096, s);
        tally[k] = (tally[k] ?? 0) + 4;
      }
    }
  }
  closeSync(fd);
  const total = Object.values(tally).reduce((x, y) => x + y, 0);
  console.log(`pid ${pid}: node binary resident ${(total / 1024).toFixed(1)} MB: ` + Object.entries(tally).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${(v / 1024).toFixed(1)}`).join(', '));
}
