import { afterEach, describe, expect, it } from 'vitest';
import { CodeActionKind } from 'vscode-languageserver';
import type { Diagnostic } from '../../../language/diagnostics.js';
import { codeActions, fixesOf } from '../../../extension/server/features/code-actions.js';
import { toLspDiagnostic, type DiagnosticData } from '../../../extension/server/lsp-conversions.js';
import { docsLinker } from '../../../extension/server/server-settings.js';
import { applyTextEdits, openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

/** One misspelling of every kind the checker answers with "did you mean". */
const TYPOS = `import "std/money"
let threshold = 100
group leads = ["a@example.com"]
source ledger {
  from csvv("ledger.csv", delimitr: ";")
  key id
  fields { id: string  amount: nubmer  currency: string }
}
source gateway {
  from http("http://127.0.0.1:1/x", itms: "data")
  key id
  fields { id: string  amount: number  currency: string }
  write {
    create POTS "http://127.0.0.1:1/x"
  }
}
profile cash { amount within 0.01 }
policy parity {
  severity hihg
  mode enforse
  desired ledgr
  actual gateway
  compare {
    default exakt
    use cahs
    use mony.cents
    currency ignore_cse
    status normalize trm
  }
  remediate {
    on misssing => create
    on changed when treshold > 1 => updte requires approval from laeds
    on extra when lenn(actual.currency) > 1 => ignore
  }
  limits {
    max_chnges 10
  }
  rate 5/x
}
policy typed {
  desired gateway
  actual gateway
  compare {
    amuont within 0.01
  }
  remediate {
    on changed when desired.amout > 1 => update
  }
}
test "t" {
  policy parityy
  desired []
  actual []
  expect {
    misssing 0
  }
}
<|>`;

const didYouMean = (d: Diagnostic) => /did you mean/.test(d.message);

describe('quick fixes', () => {
  it('exist for every "did you mean" diagnostic, and applying them clears those diagnostics', () => {
    fixture = openFixture(TYPOS);
    const suggestions = fixture.analysis.diagnostics.filter(didYouMean);
    expect(suggestions.map((d) => d.code).sort()).toEqual(
      [
        'unknown-action', 'unknown-comparator', 'unknown-connector', 'unknown-default', 'unknown-expectation', 'unknown-field', 'unknown-field',
        'unknown-function', 'unknown-group', 'unknown-http-method', 'unknown-kind', 'unknown-limit', 'unknown-mode', 'unknown-module',
        'unknown-name', 'unknown-normalizer', 'unknown-option', 'unknown-policy', 'unknown-profile', 'unknown-rate-unit',
        'unknown-severity', 'unknown-source', 'unknown-type',
      ].sort(),
    );
    const actions = codeActions(fixture.analysis, 0, fixture.text.length, docsLinker());
    for (const d of suggestions) {
      const action = actions.find((a) => a.diagnostics?.[0]?.code === d.code && a.diagnostics[0].message === d.message);
      expect(action, d.message).toBeDefined();
      expect(action!.kind).toBe(CodeActionKind.QuickFix);
      expect(action!.isPreferred).toBe(true);
      expect(action!.title).toBe(`Change to '${/did you mean '([^']+)'/.exec(d.message)![1]}'`);
    }
    // apply every fix; a fixed connector reveals its misspelt option, fixed in a second round
    let text = fixture.text;
    let analysis = fixture.analysis;
    for (let round = 2; round <= 3; round++) {
      const edits = codeActions(analysis, 0, text.length, docsLinker()).flatMap((a) => a.edit!.changes![fixture!.uri]!);
      text = applyTextEdits(text, edits);
      fixture.store.change(fixture.uri, [{ text }], round);
      analysis = fixture.store.analysis(fixture.uri)!;
    }
    expect(analysis.diagnostics.filter(didYouMean)).toEqual([]);
    expect(text).toContain('from csv("ledger.csv", delimiter: ";")');
    expect(text).toContain('on changed when threshold > 1 => update requires approval from leads');
  });

  it('are offered only for diagnostics in the requested range', () => {
    fixture = openFixture(TYPOS);
    const line = fixture.text.indexOf('severity hihg');
    const actions = codeActions(fixture.analysis, line, line + 'severity hihg'.length, docsLinker());
    expect(actions.map((a) => a.title)).toEqual(["Change to 'high'"]);
    expect(actions[0]!.diagnostics![0]!.codeDescription?.href).toMatch(/docs\/diagnostics\/unknown-severity\.md$/);
  });

  it('keep a quoted name quoted, and offer no fix that would spell a field name that is not an identifier bare', () => {
    const source = 'source s {\n  from csv("a.csv")\n  key id\n  fields {\n    id: string\n    "cost-center": string\n  }\n}\n';
    const text = `${source}policy p {\n  desired s\n  actual s\n  compare {\n    "cost-centre" ignore\n  }\n  remediate {\n    on changed when desired["cost-centr"] == "x" and desired.cost_center == "y" => update\n  }\n}\n<|>`;
    fixture = openFixture(text);
    const actions = codeActions(fixture.analysis, 0, fixture.text.length, docsLinker());
    const edits = actions.flatMap((a) => a.edit!.changes![fixture!.uri]!);
    expect(edits.map((e) => e.newText)).toEqual(['"cost-center"', '"cost-center"']);
    // the fixes published with the diagnostics are the same
    const published = fixture.analysis.diagnostics.map((d) => toLspDiagnostic(d, fixture!.analysis.lines, () => null).data as DiagnosticData | undefined);
    expect(published.flatMap((data) => data?.fixes ?? []).map((f) => f.text)).toEqual(['"cost-center"', '"cost-center"']);
    const fixed = applyTextEdits(fixture.text, edits);
    expect(fixed).toContain('    "cost-center" ignore\n');
    expect(fixed).toContain('desired["cost-center"] == "x"');
    fixture.store.change(fixture.uri, [{ text: fixed }], 2);
    // what is left: the bare desired.cost_center, which has no quick fix
    expect(fixture.store.analysis(fixture.uri)!.diagnostics.map((d) => d.message)).toEqual(["'cost_center' is not a field of source 's'; did you mean 'cost-center'?"]);
  });

  it('are read from the message when a diagnostic carries no fix of its own', () => {
    const d: Diagnostic = { code: 'unknown-name', severity: 'error', message: "unknown name 'x'; did you mean 'y'?", start: 4, end: 5 };
    expect(fixesOf(d)).toEqual([{ title: "Change to 'y'", start: 4, end: 5, text: 'y' }]);
    expect(fixesOf({ ...d, message: "unknown name 'x'" })).toEqual([]);
  });
});

describe('quick fixes for a duration without a unit', () => {
  const TEXT = `source api {
  from http("http://127.0.0.1:1/x", items: "data", timeout: 5)
  key id
  fields { id: string  seen: datetime }
}
policy stale {
  desired api
  actual api
  remediate {
    on changed when age(actual.seen) > 30 => report
  }
}
<|>`;

  it('offer the unit that keeps today\'s meaning first, then seconds, at the number', () => {
    fixture = openFixture(TEXT);
    const at = fixture.text.indexOf('timeout: 5') + 'timeout: '.length;
    const actions = codeActions(fixture.analysis, at, at + 1, docsLinker());
    expect(actions.map((a) => a.title)).toEqual(["Change to '5ms' (milliseconds, as it is read now)", "Change to '5s' (seconds)"]);
    for (const action of actions) {
      expect(action.kind).toBe(CodeActionKind.QuickFix);
      expect(action.isPreferred).toBe(false);
      expect(action.diagnostics![0]!.code).toBe('duration-without-unit');
      expect(action.diagnostics![0]!.codeDescription?.href).toMatch(/docs\/diagnostics\/duration-without-unit\.md$/);
    }
    const edits = actions.map((a) => a.edit!.changes![fixture!.uri]!);
    expect(edits.map((e) => e.map((edit) => edit.newText))).toEqual([['5ms'], ['5s']]);
    expect(applyTextEdits(fixture.text, edits[0]!)).toContain('timeout: 5ms)');
    expect(applyTextEdits(fixture.text, edits[1]!)).toContain('timeout: 5s)');
  });

  it('applying either rewrite everywhere leaves a file without the warning', () => {
    fixture = openFixture(TEXT);
    const warnings = fixture.analysis.diagnostics.filter((d) => d.code === 'duration-without-unit');
    expect(warnings.map((d) => fixture!.text.slice(d.start, d.end))).toEqual(['5', '30']);
    for (const [index, unit] of [[0, 'ms'], [1, 's']] as const) {
      const actions = codeActions(fixture.analysis, 0, fixture.text.length, docsLinker());
      const edits = actions.filter((a) => new RegExp(`^Change to '\\d+${unit}'`).test(a.title)).flatMap((a) => a.edit!.changes![fixture!.uri]!);
      expect(edits).toHaveLength(2);
      const text = applyTextEdits(fixture.text, edits);
      expect(text).toContain(`timeout: 5${unit})`);
      expect(text).toContain(`age(actual.seen) > 30${unit} =>`);
      fixture.store.change(fixture.uri, [{ text }], 2 + index);
      expect(fixture.store.analysis(fixture.uri)!.diagnostics).toEqual([]);
      fixture.store.change(fixture.uri, [{ text: fixture.text }], 10 + index);
    }
  });
});
