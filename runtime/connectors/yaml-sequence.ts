/**
 * The part of the `yaml` package the yaml connector and the yaml writer share: the Document
 * entry points and `findSequence`.
 *
 * Why its own module: `yaml` is about 260 KB of code, and the connector registry is loaded by
 * every `recon plan`; the connector imports this module when it first reads a YAML file, so a
 * plan of other sources never compiles or runs the package.
 */
import { isMap, isSeq, type YAMLSeq } from 'yaml';

export { LineCounter, parseAllDocuments, parseDocument } from 'yaml';

/**
 * The sequence node at the dotted `items` path of a YAML document (null when there is none):
 * the connector takes its records' line numbers from it, the yaml writer edits it in place.
 */
export function findSequence(root: unknown, itemsPath: string | undefined): YAMLSeq | null {
  let node = root;
  if (itemsPath) {
    for (const name of itemsPath.split('.')) {
      if (isMap(node)) node = node.get(name, true);
      else if (isSeq(node) && /^(?:0|[1-9][0-9]*)$/.test(name)) node = node.items[Number(name)];
      else return null;
    }
  }
  return isSeq(node) ? node : null;
}
