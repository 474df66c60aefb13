// Compiled curations by the hash of their text (and the file a function
// module is found beside): a version is compiled once, however many runs
// resolve it. Least recently used first out, so the versions in flight stay.
import type { Curation } from '../curation/types.js';

export class CompileCache {
  private readonly entries = new Map<string, Curation>();
  constructor(private readonly max: number) {}

  get(hash: string, file: string): Curation | undefined {
    const key = `${hash}\n${file}`;
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    // Map keeps insertion order: taking it out and back in makes it the newest.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  put(hash: string, file: string, curation: Curation): void {
    const key = `${hash}\n${file}`;
    this.entries.delete(key);
    this.entries.set(key, curation);
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
