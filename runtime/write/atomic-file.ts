/**
 * Replaces a file's content atomically: a temporary file in the same folder, written and
 * fsynced, renamed over the target, then the folder fsynced.
 *
 * Why this dance: a reader (another `recon plan`, the system that owns the file) must see either
 * the old content or the new one, never half a file, and a crash or power loss right after
 * `commit()` returned must not lose the change. `rename` within one folder is atomic on POSIX
 * file systems; fsyncing the file before the rename makes its bytes durable, fsyncing the folder
 * after makes the rename itself durable. If anything fails before the rename, the temporary file
 * is removed and the target is untouched.
 *
 * The file-system calls go through `AtomicFileSystem` so that tests can make one of them fail
 * (the tests run as root, for whom a read-only folder is no obstacle).
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** The file-system calls an atomic replace makes; `nodeFileSystem` is the real one. */
export interface AtomicFileSystem {
  openSync(file: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(file: string): void;
}

/** The real file system. */
export const nodeFileSystem: AtomicFileSystem = {
  openSync: (file, flags, mode) => fs.openSync(file, flags, mode),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (file) => fs.unlinkSync(file),
};

/** The name of the temporary file beside `target`: hidden, unique, recognisably Recon's. */
export function temporaryNameFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.recon-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `content` to `target` atomically (see the module comment). `mode` is the new file's
 * permission bits (keep the old file's). Throws the underlying error when any step fails; the
 * target then still holds its old content.
 */
export function replaceFileAtomically(
  target: string,
  content: string | Uint8Array,
  options: { mode?: number; fs?: AtomicFileSystem } = {},
): void {
  const io = options.fs ?? nodeFileSystem;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const temporary = temporaryNameFor(target);
  let fd: number | null = io.openSync(temporary, 'wx', options.mode ?? 0o644);
  let renamed = false;
  try {
    let offset = 0;
    while (offset < bytes.length) {
      const written = io.writeSync(fd, bytes, offset, bytes.length - offset);
      if (written <= 0) throw new Error(`short write to ${temporary}`);
      offset += written;
    }
    io.fsyncSync(fd);
    io.closeSync(fd);
    fd = null;
    io.renameSync(temporary, target);
    renamed = true;
  } finally {
    if (fd !== null) {
      try {
        io.closeSync(fd);
      } catch {
        // Already failing: the first error is the one to report.
      }
    }
    if (!renamed) {
      try {
        io.unlinkSync(temporary);
      } catch {
        // Nothing to clean up, or nothing we can do.
      }
    }
  }
  fsyncFolder(path.dirname(target), io);
}

/** Makes a rename in `folder` durable. Some platforms cannot open a folder for fsync: then it is skipped. */
function fsyncFolder(folder: string, io: AtomicFileSystem): void {
  let fd: number;
  try {
    fd = io.openSync(folder, 'r');
  } catch {
    return;
  }
  try {
    io.fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    io.closeSync(fd);
  }
}
