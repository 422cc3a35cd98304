/**
 * The `remediate` block (LANGUAGE.md 2.3): kinds, actions and which fits which, unreachable
 * rules, approval groups, `until` dates, and writes to sources that cannot be written or whose
 * computed `select` fields have no `map` inverse (LANGUAGE.md 2.1, "Writing through select").
 */
import { describe, expect, it } from 'vitest';
import { expectDiagnostics, lineOf } from '../../helpers/language-helpers.js';
import { SOURCES } from './checker-fixtures.js';

/** ledger -> bank (csv, writable) with the given rules. */
function rules(lines: string, prelude = ''): string {
  return `${prelude}${SOURCES}policy p {
  desired ledger
  actual bank
  remediate {
${lines}
  }
}
`;
}

/** ledger -> a source `target` declared by `source`, with the given rules. */
function writingTo(source: string, lines: string): string {
  return `${SOURCES}${source}
policy p {
  desired ledger
  actual target
  remediate {
${lines}
  }
}
`;
}

describe('kinds and actions', () => {
  it('accepts every kind with a fitting action', () => {
    const text = rules(`    on missing when desired.amount > 1 => create requires approval from leads because "big \${key.id}"
    on missing => create
    on changed when only("at") => ticket "drift on \${key.id}" requires approval
    on changed => update
    on extra when actual.amount == 0 => delete
    on extra => ignore because "tolerated" until "2030-12-31"
    on invalid => report
    on any => report`, 'group leads = ["a@example.com"]\n');
    expectDiagnostics(text, []);
  });

  it('reports an unknown kind or action with a quick fix', () => {
    const text = rules('    on mising => creat');
    const [k, a] = expectDiagnostics(text, [
      { code: 'unknown-kind', line: lineOf(text, 'mising') },
      { code: 'unknown-action', line: lineOf(text, 'creat') },
    ]);
    expect(k!.message).toBe("unknown difference kind 'mising'; did you mean 'missing'?");
    expect(k!.fixes?.[0]).toMatchObject({ start: text.indexOf('mising'), end: text.indexOf('mising') + 6, text: 'missing' });
    expect(a!.fixes?.[0]).toMatchObject({ text: 'create' });
  });

  const notApplicable: [string, string][] = [
    ['on extra => create', "'create' does not apply to extra items"],
    ['on missing => update', "'update' does not apply to missing items"],
    ['on changed => delete', "'delete' does not apply to changed items"],
    ['on any => update', "'update' does not apply to 'any' items"],
    ['on invalid => create', "'create' does not apply to invalid items"],
  ];
  for (const [rule, message] of notApplicable) {
    it(`reports ${rule}`, () => {
      const [d] = expectDiagnostics(rules(`    ${rule}`), [{ code: 'action-not-applicable' }]);
      expect(d!.message).toBe(message);
    });
  }

  // LANGUAGE.md 2.3: `report` is "also what `invalid` items get"; the decider ignores the rules
  it('warns that a rule on invalid items with another action than report never takes effect', () => {
    for (const action of ['ticket "broken ${key.id}"', 'ignore because "known"', 'ticket "t" requires approval']) {
      const text = rules(`    on invalid => ${action}`);
      const [d] = expectDiagnostics(text, [{ code: 'invalid-always-reported', line: lineOf(text, 'on invalid') }]);
      expect(d!.severity).toBe('warning');
      expect(d!.message).toBe(
        `invalid items are always reported: this rule's '${action.split(' ')[0]}' never takes effect (the plan shows them as 'report', with the reason the record is invalid)`,
      );
      expect(d!.start).toBe(text.indexOf(action.split(' ')[0]!, text.indexOf('on invalid')));
    }
    expectDiagnostics(rules('    on invalid when key.id == "x" => report'), []);
    // a writing action is already an error; no second diagnostic
    expectDiagnostics(rules('    on invalid => delete'), [{ code: 'action-not-applicable' }]);
    // `any` does not match invalid items: nothing to warn about
    expectDiagnostics(rules('    on any => ignore'), []);
  });

  it('needs a title on tickets and only there', () => {
    expectDiagnostics(rules('    on extra => ticket'), [{ code: 'ticket-needs-title' }]);
    expectDiagnostics(rules('    on extra => ignore "why"'), [{ code: 'title-without-ticket' }]);
  });

  it('warns about approval on actions that never wait', () => {
    const [d] = expectDiagnostics(rules('    on extra => ignore requires approval'), [{ code: 'approval-without-action' }]);
    expect(d!.severity).toBe('warning');
  });

  it('checks conditions, titles and because against the sides', () => {
    const text = rules('    on missing when desired.amont > 1 => ticket "t ${actual.nope}" because "b ${key.idd}"');
    expectDiagnostics(text, [{ code: 'unknown-field' }, { code: 'unknown-field' }, { code: 'unknown-field' }]);
  });
});

describe('rules that can never fire', () => {
  it('reports a rule after an unconditional rule of the same kind', () => {
    const text = rules('    on missing => create\n    on missing when desired.amount > 1 => ignore');
    const [d] = expectDiagnostics(text, [{ code: 'unreachable-rule', line: lineOf(text, 'on missing when') }]);
    expect(d!.message).toBe(`this rule can never fire: the unconditional rule at line ${lineOf(text, 'on missing =>')} already matches every missing item`);
    expect(d!.severity).toBe('warning');
  });

  it('knows that any covers missing, extra and changed, but not invalid', () => {
    const text = rules('    on any => report\n    on extra => ignore\n    on invalid => report');
    expectDiagnostics(text, [{ code: 'unreachable-rule', line: lineOf(text, 'on extra') }]);
  });

  it('reports any after all three kinds are covered', () => {
    const text = rules('    on missing => create\n    on extra => delete\n    on changed => update\n    on any => report');
    expectDiagnostics(text, [{ code: 'unreachable-rule', line: lineOf(text, 'on any') }]);
    expectDiagnostics(rules('    on missing => create\n    on extra => delete\n    on any => report'), []);
  });

  it('does not count conditional rules or exceptions with an until as unconditional', () => {
    expectDiagnostics(rules('    on extra when actual.amount > 1 => ignore\n    on extra => delete'), []);
    expectDiagnostics(rules('    on extra => ignore until "2030-01-01"\n    on extra => delete'), []);
  });
});

describe('approval groups', () => {
  it('reports an unknown group with a quick fix', () => {
    const text = rules('    on missing => create requires approval from lead', 'group leads = ["a@example.com"]\n');
    const [d] = expectDiagnostics(text, [{ code: 'unknown-group' }]);
    expect(d!.message).toBe("unknown group 'lead'; did you mean 'leads'?");
    expect(d!.fixes?.[0]).toMatchObject({ start: text.indexOf('lead\n'), text: 'leads' });
  });

  it('warns about a group without members, and refuses approval from it', () => {
    const [g] = expectDiagnostics('group nobody = []\n', [{ code: 'empty-group', line: 1 }]);
    expect(g!.severity).toBe('warning');
    expect(g!.message).toBe("group 'nobody' has no members: no one can approve an action that requires approval from it");
    const text = rules('    on missing => create requires approval from nobody\n    on extra => ticket "t" requires approval from nobody', 'group nobody = []\n');
    const [, create, ticket] = expectDiagnostics(text, [
      { code: 'empty-group', line: 1 },
      { code: 'approval-from-empty-group', line: lineOf(text, 'on missing') },
      { code: 'approval-from-empty-group', line: lineOf(text, 'on extra') },
    ]);
    expect(create!.severity).toBe('error');
    expect(create!.message).toBe("group 'nobody' has no members: no one can ever approve this 'create', so it would never run");
    expect(ticket!.message).toContain("this 'ticket'");
    expect(create!.start).toBe(text.indexOf('nobody\n    on extra'));
  });

  it('refuses approval from an empty group of an imported module', () => {
    const files = { '/ws/teams.recon': 'group none = []\n' };
    const text = rules('    on missing => create requires approval from teams.none', 'import "./teams.recon"\n');
    const [d] = expectDiagnostics(
      text,
      [
        { code: 'empty-group', file: '/ws/teams.recon' },
        { code: 'approval-from-empty-group', line: lineOf(text, 'on missing') },
      ],
      files,
    );
    expect(d!.message).toContain("group 'teams.none' has no members");
  });

  it('needs constant, non-empty string members', () => {
    expectDiagnostics('group g = ["a@example.com", 1, ""]\n', [{ code: 'type-mismatch', line: 1 }, { code: 'type-mismatch', line: 1 }]);
    expectDiagnostics('group g = [env("X")]\n', [{ code: 'not-constant', line: 1 }]);
    expectDiagnostics('let who = "a@example.com"\ngroup g = [who, "b@${"example.com"}"]\n', []);
  });
});

describe('until', () => {
  it('warns when the date has passed, relative to today', () => {
    const text = rules('    on extra => ignore until "2026-11-25"');
    const [d] = expectDiagnostics(text, [{ code: 'until-expired' }]);
    // the rule still matched on 2026-11-25 (until is inclusive): it ended after that day
    expect(d!.message).toBe('the exception ended after 2026-11-25: this rule no longer matches');
    expect(d!.severity).toBe('warning');
    // the day itself still matches
    expectDiagnostics(rules('    on extra => ignore until "2026-11-26"'), []);
    expectDiagnostics(rules('    on extra => ignore until "2026-11-25"'), [], {}, { today: '2026-01-01' });
  });

  it('reports a date that is not YYYY-MM-DD or not on the calendar', () => {
    for (const date of ['2026-13-01', '2026-02-30', 'tomorrow', '2026-1-1', '${"2030-01-01"}']) {
      const [d] = expectDiagnostics(rules(`    on extra => ignore until "${date}"`), [{ code: 'invalid-date' }]);
      expect(d!.severity).toBe('error');
    }
  });

  it('warns about until on other actions', () => {
    expectDiagnostics(rules('    on extra => ticket "x" until "2030-01-01"'), [{ code: 'until-without-ignore' }]);
  });
});

describe('writing to the actual source', () => {
  it('is allowed on csv, json, jsonl, yaml and postgres tables', () => {
    for (const from of ['csv("t.csv")', 'json("t.json")', 'jsonl("t.jsonl")', 'yaml("t.yaml")', 'postgres("postgres://h/db", table: "t")']) {
      expectDiagnostics(writingTo(`source target {\n  from ${from}\n  key id\n}`, '    on missing => create\n    on changed => update\n    on extra => delete'), []);
    }
  });

  it('is refused on inline sources', () => {
    const text = writingTo('source target {\n  from inline([])\n  key id\n}', '    on missing => create\n    on extra => ignore');
    const [d] = expectDiagnostics(text, [{ code: 'source-not-writable', line: lineOf(text, '=> create') }]);
    expect(d!.message).toBe("'create' writes to 'target', which cannot be written: inline sources are read-only");
  });

  it('is refused on a postgres query', () => {
    expectDiagnostics(writingTo('source target {\n  from postgres("postgres://h/db", query: "select 1")\n  key id\n}', '    on extra => delete'), [{ code: 'source-not-writable' }]);
  });

  it('needs the matching write operation on http and exec sources', () => {
    const http = 'source target {\n  from http("http://127.0.0.1/x")\n  key id\n  write {\n    create POST "http://127.0.0.1/x"\n  }\n}';
    expectDiagnostics(writingTo(http, '    on missing => create'), []);
    const text = writingTo(http, '    on missing => create\n    on extra => delete');
    const [d] = expectDiagnostics(text, [{ code: 'source-not-writable', line: lineOf(text, '=> delete') }]);
    expect(d!.message).toBe("'delete' writes to 'target', which cannot be written: it has no 'delete' operation in write { }");
    expectDiagnostics(writingTo('source target {\n  from exec("./list.sh")\n  key id\n}', '    on changed => update'), [{ code: 'source-not-writable' }]);
  });

  it('is not checked for tickets, ignore and report', () => {
    expectDiagnostics(writingTo('source target {\n  from inline([])\n  key id\n}', '    on missing => ticket "x"\n    on extra => ignore\n    on changed => report'), []);
  });
});

describe('writing through select', () => {
  const gateway = (select: string, map: string): string =>
    `source target {
  from json("t.json")
  key id
  select {
${select}
  }
  write {
    map {
${map}
    }
  }
}`;

  it('accepts plain paths, own-name computed fields and mapped reads', () => {
    const select = '    id = txn_id\n    amount = amount_cents / 100\n    currency = upper(currency)\n    label = meta.labels.app\n    odd = record["odd name"]';
    expectDiagnostics(writingTo(gateway(select, '      amount_cents = round(amount * 100, 0)'), '    on missing => create\n    on changed => update\n    on extra => delete'), []);
  });

  it('reports a computed field whose reads are not all mapped', () => {
    const select = '    id = id\n    total = net + tax\n    amount = amount_cents / 100';
    const text = writingTo(gateway(select, '      net = total'), '    on missing => create');
    const line = lineOf(text, '=> create');
    const [a, b] = expectDiagnostics(text, [
      { code: 'uncovered-computed-field', line },
      { code: 'uncovered-computed-field', line },
    ]);
    expect(a!.message).toBe("'create' writes to 'target', but its computed field 'total' has no inverse in write { map }");
    expect(b!.message).toBe("'create' writes to 'target', but its computed field 'amount' has no inverse in write { map }");
  });

  it('counts a map line for a parent path as covering reads below it', () => {
    const select = '    id = id\n    app = lower(meta.labels.app)';
    expectDiagnostics(writingTo(gateway(select, '      meta = { labels: { app: app } }'), '    on changed => update'), []);
    expectDiagnostics(writingTo(gateway(select, '      meta.other = 1'), '    on changed => update'), [{ code: 'uncovered-computed-field' }]);
  });

  it('treats lets in select as constants, not raw reads', () => {
    const text = `let scale = 100\n${writingTo(gateway('    id = id\n    amount = cents / scale', '      cents = amount * scale'), '    on changed => update')}`;
    expectDiagnostics(text, []);
  });

  it('is checked only for writing actions', () => {
    const select = '    id = id\n    total = net + tax';
    expectDiagnostics(writingTo(gateway(select, '      x = 1'), '    on changed => ticket "t"'), []);
  });
});
