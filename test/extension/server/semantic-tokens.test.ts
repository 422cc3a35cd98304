import { afterEach, describe, expect, it } from 'vitest';
import { SEMANTIC_TOKEN_LEGEND, semanticTokens } from '../../../extension/server/features/semantic-tokens.js';
import { openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

/** Decodes LSP's relative token encoding into `text:type[+modifiers]`. */
function decode(text: string, data: number[]): string[] {
  const lines = text.split('\n');
  const result: string[] = [];
  let line = 0;
  let character = 0;
  for (let i = 0; i < data.length; i += 5) {
    const [deltaLine, deltaChar, length, type, modifiers] = data.slice(i, i + 5) as [number, number, number, number, number];
    line += deltaLine;
    character = deltaLine === 0 ? character + deltaChar : deltaChar;
    const mods = SEMANTIC_TOKEN_LEGEND.tokenModifiers.filter((_, bit) => modifiers & (1 << bit));
    result.push(`${lines[line]!.slice(character, character + length)}:${SEMANTIC_TOKEN_LEGEND.tokenTypes[type]}${mods.length ? `+${mods.join('+')}` : ''}`);
  }
  return result;
}

describe('semantic tokens', () => {
  it('colour names by what they mean, not by how they look', () => {
    const text = `# A source.
let limit = 10%
source ledger {
  from csv("a.csv", delimiter: ";")
  key key
  fields { key: string  amount: number }
}
policy p {
  desired ledger
  actual ledger
  compare { amount within 2m }
  remediate {
    on changed when desired.amount > limit and changed("amount") => update
  }
}
<|>`;
    fixture = openFixture(text);
    const tokens = decode(fixture.text, semanticTokens(fixture.analysis).data);
    expect(tokens).toEqual([
      '# A source.:comment',
      'let:keyword',
      'limit:variable+declaration+readonly',
      '=:operator',
      '10%:number',
      'source:keyword',
      'ledger:class+declaration',
      'from:keyword',
      'csv:function+defaultLibrary',
      '":string',
      'a.csv:string',
      '":string',
      'delimiter:parameter',
      '":string',
      ';:string',
      '":string',
      'key:keyword',
      'key:property',
      'fields:keyword',
      'key:property+declaration',
      'string:type',
      'amount:property+declaration',
      'number:type',
      'policy:keyword',
      'p:interface+declaration',
      'desired:keyword',
      'ledger:class',
      'actual:keyword',
      'ledger:class',
      'compare:keyword',
      'amount:property',
      'within:keyword',
      '2m:number',
      'remediate:keyword',
      'on:keyword',
      'changed:enumMember',
      'when:keyword',
      'desired:variable+defaultLibrary',
      'amount:property',
      '>:operator',
      'limit:variable+readonly',
      'and:keyword',
      'changed:function+defaultLibrary',
      '":string',
      'amount:string',
      '":string',
      '=>:operator',
      'update:enumMember',
    ]);
  });
});
