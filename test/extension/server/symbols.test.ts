import { afterEach, describe, expect, it } from 'vitest';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { documentSymbols } from '../../../extension/server/features/document-symbols.js';
import { fuzzyMatch, workspaceSymbols } from '../../../extension/server/features/workspace-symbols.js';
import { ReconWorkspace } from '../../../extension/server/workspace.js';
import { makeWorkspace, openFixture, type OpenedFixture, type TestWorkspace } from '../../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';
import { MAIN, SHARED } from './navigation-fixture.js';

let fixture: OpenedFixture | undefined;
let ws: TestWorkspace | undefined;
afterEach(() => {
  fixture?.ws.remove();
  ws?.remove();
});

const KIND_NAME = new Map<number, string>(Object.entries(SymbolKind).map(([name, value]) => [value as number, name]));

function outline(symbols: DocumentSymbol[], depth = 0): string[] {
  return symbols.flatMap((s) => [`${'  '.repeat(depth)}${KIND_NAME.get(s.kind)} ${s.name}${s.detail ? ` (${s.detail})` : ''}`, ...outline(s.children ?? [], depth + 1)]);
}

describe('document symbols', () => {
  it('outline every declaration, with the fields of sources and the rules of profiles and policies', () => {
    fixture = openFixture(`${SAMPLE}<|>`, SAMPLE_DATA);
    expect(outline(documentSymbols(fixture.analysis))).toEqual([
      'Module money (std/money)',
      'Constant big_payment (10000)',
      'Array payments_leads (1 member(s))',
      'Class ledger (csv)',
      '  Field txn_id (string)',
      '  Field amount (number)',
      '  Field currency (string)',
      '  Field status (string)',
      'Class gateway (csv)',
      '  Field txn_id (string)',
      '  Field amount (number)',
      '  Field currency (string)',
      '  Field status (string)',
      '  Field origin (string)',
      'Struct cash',
      '  Property amount (within 0.005)',
      '  Property currency (ignore_case)',
      'Interface settlement_parity (ledger → gateway)',
      '  Namespace compare',
      '    Property status (normalize trim, lower)',
      '  Namespace remediate',
      '    Event on missing when desired.amount > big_payment => create requires approval from payments_leads',
      '    Event on missing => create',
      '    Event on extra when actual.origin == "manual" => ignore because "manual entries are tolerated"',
      '    Event on extra => ticket "Unexpected settlement ${key.txn_id}"',
      '    Event on changed => update',
      'Method rounding is not drift (policy settlement_parity)',
    ]);
  });

  it('give ranges that contain their selection ranges', () => {
    fixture = openFixture(`${SAMPLE}<|>`, SAMPLE_DATA);
    const check = (s: DocumentSymbol): void => {
      const before = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line < b.line || (a.line === b.line && a.character <= b.character);
      expect(before(s.range.start, s.selectionRange.start) && before(s.selectionRange.end, s.range.end)).toBe(true);
      (s.children ?? []).forEach(check);
    };
    documentSymbols(fixture.analysis).forEach(check);
  });
});

describe('workspace symbols', () => {
  it('lists the declarations of every .recon file of the workspace, matched like VS Code matches', () => {
    ws = makeWorkspace({ 'main.recon': MAIN, 'shared.recon': SHARED, 'node_modules/pkg/ignored.recon': 'source hidden { from csv("x.csv") key id }\n' });
    fixture = openFixture('source unsaved_source {\n  from csv("u.csv")\n  key id\n}\n<|>');
    const workspace = new ReconWorkspace(fixture.store);
    workspace.roots = [ws.root];
    const all = workspaceSymbols(workspace, '').map((s) => `${s.name}:${KIND_NAME.get(s.kind)}:${s.containerName ?? ''}`);
    expect(all).toEqual(expect.arrayContaining(['ledger:Class:shared.recon', 'gateway:Class:main.recon', 'parity:Interface:main.recon', 'parity holds:Method:main.recon', 'threshold:Constant:shared.recon', 'leads:Array:shared.recon', 'strict:Struct:shared.recon', 'shared:Module:main.recon']));
    expect(all.some((s) => s.startsWith('unsaved_source:Class'))).toBe(true);
    expect(all.some((s) => s.startsWith('hidden'))).toBe(false);
    expect(workspaceSymbols(workspace, 'ldgr').map((s) => s.name)).toEqual(['ledger']);
    const ledger = workspaceSymbols(workspace, 'ledger')[0]!;
    expect(ledger.location).toEqual({ uri: ws.uri('shared.recon'), range: { start: { line: 5, character: 7 }, end: { line: 5, character: 13 } } });
  });

  it('matches the query characters in order, ignoring case', () => {
    expect(fuzzyMatch('sp', 'settlement_parity')).toBe(true);
    expect(fuzzyMatch('SETPAR', 'settlement_parity')).toBe(true);
    expect(fuzzyMatch('stp', 'settlement_parity')).toBe(true);
    expect(fuzzyMatch('ps', 'settlement_parity')).toBe(false);
    expect(fuzzyMatch('zz', 'settlement_parity')).toBe(false);
  });
});
