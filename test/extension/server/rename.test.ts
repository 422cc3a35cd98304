import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkspaceEdit } from 'vscode-languageserver';
import { DiskModuleHost } from '../../../language/module-host.js';
import { checkFile } from '../../../language/pipeline.js';
import { prepareRename, rename, RenameError } from '../../../extension/server/features/rename.js';
import { ReconWorkspace } from '../../../extension/server/workspace.js';
import { applyTextEdits, markAt, openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';
import { MAIN, SHARED } from './navigation-fixture.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

const OTHER = `import "./shared.recon"

source books {
  from csv("books.csv")
  key txn_id
}

policy other {
  desired shared.ledger
  actual books
}
`;

function setUp(marked: string): ReconWorkspace {
  fixture?.ws.remove();
  fixture = openFixture(marked, { 'shared.recon': SHARED, 'other.recon': OTHER });
  const workspace = new ReconWorkspace(fixture.store);
  workspace.roots = [fixture.ws.root];
  return workspace;
}

/** Applies a workspace edit to the fixture's files on disk and returns the new texts by file name. */
function applied(edit: WorkspaceEdit): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) {
    const name = uri.slice(uri.lastIndexOf('/') + 1);
    const text = name === 'main.recon' ? fixture!.text : readFileSync(fixture!.ws.path(name), 'utf8');
    result[name] = applyTextEdits(text, edits);
    fixture!.ws.write(name, result[name]);
  }
  return result;
}

function checksClean(name: string): string[] {
  return checkFile(fixture!.ws.path(name), new DiskModuleHost()).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

describe('rename', () => {
  it('renames a source in its declaration and every file that names it, and the files still check', () => {
    const workspace = setUp(markAt(MAIN, 'desired shared.led<|>ger'));
    expect(prepareRename(fixture!.analysis, fixture!.offset)).toMatchObject({ placeholder: 'ledger' });
    const files = applied(rename(workspace, fixture!.analysis, fixture!.offset, 'books_of_record'));
    expect(Object.keys(files).sort()).toEqual(['main.recon', 'other.recon', 'shared.recon']);
    expect(files['shared.recon']).toContain('source books_of_record {');
    expect(files['main.recon']).toContain('desired shared.books_of_record');
    expect(files['other.recon']).toContain('desired shared.books_of_record');
    for (const name of ['main.recon', 'other.recon', 'shared.recon']) expect(checksClean(name)).toEqual([]);
  });

  it('renames a policy and the tests that name it', () => {
    const workspace = setUp(markAt(MAIN, 'policy pa<|>rity {'));
    const files = applied(rename(workspace, fixture!.analysis, fixture!.offset, 'settlement'));
    expect(files['main.recon']).toContain('policy settlement {');
    expect(files['main.recon']).toContain('  policy settlement\n');
    expect(checksClean('main.recon')).toEqual([]);
  });

  it('renames lets, groups and profiles of an imported module from where they are used', () => {
    for (const [snippet, newName, expected] of [
      ['shared.thresh<|>old', 'limit', 'let limit = 100'],
      ['shared.le<|>ads', 'approvers', 'group approvers ='],
      ['use shared.stri<|>ct', 'exactly', 'profile exactly {'],
    ] as const) {
      const workspace = setUp(markAt(MAIN, snippet));
      const files = applied(rename(workspace, fixture!.analysis, fixture!.offset, newName));
      expect(files['shared.recon']).toContain(expected);
      expect(files['main.recon']).toContain(`shared.${newName}`);
      expect(checksClean('main.recon')).toEqual([]);
    }
  });

  it('renames an import alias: an explicit one everywhere, an implicit one by adding `as`', () => {
    let workspace = setUp(markAt(MAIN, 'desired sha<|>red.ledger'));
    let files = applied(rename(workspace, fixture!.analysis, fixture!.offset, 'common'));
    expect(Object.keys(files)).toEqual(['main.recon']);
    expect(files['main.recon']).toContain('import "./shared.recon" as common');
    expect(files['main.recon'].split('\n').slice(1).join('\n')).not.toContain('shared');
    expect(files['main.recon'].match(/common\./g)).toHaveLength(4);
    expect(checksClean('main.recon')).toEqual([]);

    fixture?.ws.remove();
    fixture = openFixture(markAt(OTHER, 'desired sha<|>red.ledger'), { 'shared.recon': SHARED }, 'other.recon');
    workspace = new ReconWorkspace(fixture.store);
    files = applied(rename(workspace, fixture.analysis, fixture.offset, 'base'));
    expect(files['other.recon']).toContain('import "./shared.recon" as base\n');
    expect(files['other.recon']).toContain('desired base.ledger');
    expect(checksClean('other.recon')).toEqual([]);
  });

  it('renames a let used in conditions to a name that means nothing else there, and the file still checks', () => {
    const text = 'let limit = 5\nsource s {\n  from csv("a.csv")\n  key id\n  fields {\n    id: string\n    n: number\n  }\n  where n > limit\n}\npolicy p {\n  desired s\n  actual s\n  remediate {\n    on missing when desired.n > limit => create\n  }\n}\n';
    const workspace = setUp(markAt(text, 'let lim<|>it'));
    const files = applied(rename(workspace, fixture!.analysis, fixture!.offset, 'ceiling'));
    expect(files['main.recon']).toContain('where n > ceiling');
    expect(files['main.recon']).toContain('desired.n > ceiling');
    expect(checksClean('main.recon')).toEqual([]);
  });

  it('refuses what cannot be renamed, saying why', () => {
    const refusal = (snippet: string, newName = 'x', text = MAIN): string => {
      const workspace = setUp(markAt(text, snippet));
      try {
        rename(workspace, fixture!.analysis, fixture!.offset, newName);
      } catch (error) {
        expect(error).toBeInstanceOf(RenameError);
        return (error as Error).message;
      }
      throw new Error('the rename was not refused');
    };
    expect(refusal('from c<|>sv')).toMatch(/only sources, profiles, policies, lets, groups and import aliases/);
    expect(refusal('rem<|>ediate')).toMatch(/only sources/);
    expect(refusal('test "parity<|> holds"')).toMatch(/a test is named by its string/);
    expect(refusal('actual gate<|>way', '2fast')).toMatch(/'2fast' is not a name/);
    expect(refusal('actual gate<|>way', 'null')).toMatch(/'null' is a reserved word/);
    const two = 'source a {\n  from csv("a.csv")\n  key id\n}\nsource b {\n  from csv("b.csv")\n  key id\n}\n';
    expect(refusal('source a<|> {', 'b', two)).toMatch(/a source named 'b' already exists in this file/);
    expect(refusal('import "./shared.recon" as sha<|>red', 'money', 'import "std/money"\nimport "./shared.recon" as shared\n')).toMatch(/an import is already reached as 'money'/);
    const shadowing =
      'import "./shared.recon" as shared\nlet limit = 5\nsource s {\n  from csv("a.csv")\n  key id\n  fields {\n    id: string\n    n: number\n  }\n  where n > limit\n}\n' +
      'policy p {\n  desired s\n  actual s\n  remediate {\n    on missing when desired.n > limit and shared.threshold > 1 => create\n  }\n}\n';
    // a let renamed to a name that a field, a root or an import means where the let is used
    expect(refusal('let lim<|>it', 'n', shadowing)).toBe("'n' would mean a field of the record at line 10, where 'limit' is used");
    expect(refusal('let lim<|>it', 'key', shadowing)).toBe("'key' would mean the key fields at line 16, where 'limit' is used");
    expect(refusal('let lim<|>it', 'desired', shadowing)).toBe("'desired' would mean the desired record at line 16, where 'limit' is used");
    expect(refusal('let lim<|>it', 'record', shadowing)).toBe("'record' would mean the record itself at line 10, where 'limit' is used");
    expect(refusal('let lim<|>it', 'shared', shadowing)).toMatch(/an import is reached as 'shared': a let of that name would hide it/);
    // an import alias renamed to a let's name or a root
    expect(refusal('as sha<|>red', 'limit', shadowing)).toMatch(/a let named 'limit' already exists: it would hide the import/);
    expect(refusal('as sha<|>red', 'diff', shadowing)).toBe("'diff' would mean the list of differing fields at line 16, where 'shared' is used");
    expect(refusal('use money.ce<|>nts', 'y', 'import "std/money"\nprofile p {\n}\npolicy q {\n  compare {\n    use money.cents\n  }\n}\n')).toMatch(/declared in the standard library/);
  });
});
