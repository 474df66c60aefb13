// The dry run's time limit (250 ms of rendering a plan) depends on the
// machine: a garbage collection or a busy CPU can stall one plan of a file that
// renders in a few ms, and `curation check` or a reload must not refuse the
// file for it. A template that is slow every time is still refused. The stall
// is made with the clock liquidjs reads (performance.now), not with real time.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFile } from '../../src/curation/load.js';
import { formatLoadError } from '../../src/curation/load-errors.js';

const CURATION = `id: stall
defaultLanguage: ko
trigger: { on: chatOpened }
fields:
  pick:
    type: option
    options: { a: 가, b: 나 }
messages:
  - text: "{% for i in (1..3) %}{{ i }}{% endfor %} {{ pick }}"
`;

const realNow = performance.now.bind(performance);

/** Makes performance.now jump 300 ms when a template is being rendered: once, or every time. */
function stallRendering(times: 'once' | 'always'): { stalls: () => number } {
  let offset = 0;
  let stalls = 0;
  performance.now = () => {
    const rendering = (new Error().stack ?? '').includes('renderTemplates');
    if (rendering && (times === 'always' || stalls === 0)) {
      stalls++;
      offset += 300;
    }
    return realNow() + offset;
  };
  return { stalls: () => stalls };
}

async function fileOf(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'curation-stall-'));
  const file = path.join(dir, 'stall.yaml');
  await writeFile(file, text);
  return file;
}

describe('the dry run and a stalled machine', () => {
  afterEach(() => {
    performance.now = realNow;
  });

  test('one plan stalled past the render limit does not refuse the file', async () => {
    const file = await fileOf(CURATION);
    const clock = stallRendering('once');
    const loaded = await loadFile(file);
    performance.now = realNow;
    assert.equal(clock.stalls(), 1, 'the stall happened');
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.map(formatLoadError).join('\n'));
  });

  test('a template slow every time is still refused, at its line', async () => {
    const file = await fileOf(CURATION);
    stallRendering('always');
    const loaded = await loadFile(file);
    performance.now = realNow;
    assert.equal(loaded.ok, false);
    const errors = loaded.ok ? [] : loaded.errors.map(formatLoadError);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /stall\.yaml:9 messages\[0\]\.text: could not be rendered: it took longer than 250 ms/);
  });
});
