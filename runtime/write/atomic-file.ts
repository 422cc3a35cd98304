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
 * The new file gets the old one's permission bits exactly (set with `fchmod`, which the umask
 * does not narrow, so a group-writable file stays group-writable) and, when the process may,
 * its owner and group: a file shared through its group, or owned by the service that reads it,
 * must not become root's after a `sudo recon apply`. A process that may not give the file away
 * (not root) keeps what it can: the group, when it is one of the process's groups.
 *
 * A kill -9 between creating the temporary file and the rename leaves it behind (the target is
 * intact). Its name carries the pid of the process that made it: `removeAbandonedTemporaries`
 * deletes those of the target whose process is gone, so they do not pile up beside the data.
 *
 * The file-system calls go through `AtomicFileSystem` so that tests can make one of them fail
 * (the tests run as root, for whom a read-only folder is no obstacle).
 */
import * as fs from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { processAlive } from '../state/lock-file.js';

/** The file-system calls an atomic replace makes; `nodeFileSystem` is the real one. */
export interface AtomicFileSystem {
  openSync(file: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  fchmodSync(fd: number, mode: number): void;
  fchownSync(fd: number, uid: number, gid: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(file: string): void;
}

/** The real file system. */
export const nodeFileSystem: AtomicFileSystem = {
  openSync: (file, flags, mode) => fs.openSync(file, flags, mode),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  fchmodSync: (fd, mode) => fs.fchmodSync(fd, mode),
  fchownSync: (fd, uid, gid) => fs.fchownSync(fd, uid, gid),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (file) => fs.unlinkSync(file),
};

/**
 * This host's tag in temporary file names: 8 hex digits of a hash of its name. With the pid it
 * tells whose a temporary file is (`removeAbandonedTemporaries`), in a few safe characters.
 */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** The name of the temporary file beside `target`: hidden, unique, recognisably Recon's, with its host and pid. */
export function temporaryNameFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.recon-${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Removes the temporary files of `target` (named by `temporaryNameFor`) that a process of this
 * host which is gone left behind (a kill -9 mid-write). Only this host's: a folder shared between
 * hosts or containers may hold a live writer's file whose pid means nothing here. Best effort: a
 * file it cannot list or remove stays.
 */
export function removeAbandonedTemporaries(target: string): void {
  const folder = path.dirname(target);
  const prefix = `.${path.basename(target)}.recon-`;
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^([0-9a-f]{8})-([1-9][0-9]*)-[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (match === null || match[1] !== HOST_TAG || processAlive(Number(match[2]))) continue;
    try {
      fs.unlinkSync(path.join(folder, name));
    } catch {
      // Someone else removed it, or it may not be removed: leave it.
    }
  }
}

/** Gives the new file the old one's owner and group when the process may (see the module comment). */
function keepOwner(io: AtomicFileSystem, fd: number, uid: number, gid: number): void {
  try {
    io.fchownSync(fd, uid, gid);
  } catch {
    try {
      io.fchownSync(fd, -1, gid);
    } catch {
      // Not allowed: the file is the process's, as with any editor that saves through a rename.
    }
  }
}

/**
 * Writes `content` to `target` atomically (see the module comment). `mode` is the new file's
 * permission bits, `owner` its owner and group (keep the old file's). Throws the underlying
 * error when any step fails; the target then still holds its old content.
 */
export function replaceFileAtomically(
  target: string,
  content: string | Uint8Array,
  options: { mode?: number; owner?: { uid: number; gid: number }; fs?: AtomicFileSystem } = {},
): void {
  const io = options.fs ?? nodeFileSystem;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const temporary = temporaryNameFor(target);
  let fd: number | null = io.openSync(temporary, 'wx', options.mode ?? 0o644);
  let renamed = false;
  try {
    const owner = options.owner;
    if (owner !== undefined && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) keepOwner(io, fd, owner.uid, owner.gid);
    // the umask narrowed the mode given to open; the old file's bits are wanted exactly (after
    // chown, which clears set-id bits)
    if (options.mode !== undefined) io.fchmodSync(fd, options.mode);
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
