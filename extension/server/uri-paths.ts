/**
 * File URIs (what LSP speaks) and absolute paths (what the language layer speaks).
 *
 * Why one place: the module loader keys modules by canonical absolute path (symlinks resolved),
 * while editors send `file://` URIs with their own percent-encoding. Every feature converts here,
 * so "the same file" means the same thing to the document store, the checker and the answers.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { canonicalPath } from '../../language/module-host.js';

/** Where buffers without a file (`untitled:`) pretend to live: no relative import resolves there. */
const UNTITLED_ROOT = '/__recon_untitled__';

/** The canonical absolute path a document URI stands for. */
export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) return canonicalPath(fileURLToPath(uri));
  const name = encodeURIComponent(uri.replace(/^[a-z-]+:/i, ''));
  return join(UNTITLED_ROOT, name.endsWith('.recon') ? name : `${name}.recon`);
}

/** The `file://` URI of an absolute path. */
export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}
