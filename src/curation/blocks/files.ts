// Files already uploaded to Channel Talk, sent by reference (1 to 10). They
// are written in the file as Channel Talk describes them and sent as written.
import { z } from 'zod';
import { FileSchema, type FileRef } from '../../channeltalk/wire.js';
import type { AttachmentEntry } from './types.js';

const fileSchema = z
  .array(FileSchema)
  .min(1, { error: 'needs at least one file; leave files out for none' })
  .max(10, { error: 'a message can have at most 10 files (Channel Talk refuses more)' })
  .meta({ description: 'Files already uploaded to Channel Talk: {id, name, size, bucket, key, contentType?, …} as its API describes them.' });

export interface CompiledFiles {
  key: 'files';
  files: FileRef[];
}

export const filesPart: AttachmentEntry<'files', z.infer<typeof fileSchema>, CompiledFiles> = {
  key: 'files',
  fileSchema,
  compile: (files) => ({ key: 'files', files }),
  render: (c) => c.files,
  // Nothing to read: a file adds no typing time.
  visibleLength: () => 0,
  describe: (files) => files.map((f) => `[file] ${f.name} (${formatSize(f.size)})`),
  toConsole: (files) => ({ kind: 'files', files: files.map((f) => ({ name: f.name, size: formatSize(f.size), image: isImage(f) })) }),
};

function isImage(f: FileRef): boolean {
  return f.type === 'image' || (f.contentType ?? '').startsWith('image/');
}

/** 2048 → "2.0 KB", as a chat shows a file's size. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
