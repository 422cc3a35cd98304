import { afterEach, describe, expect, it } from 'vitest';
import type { Location } from 'vscode-languageserver';
import { definition } from '../../../extension/server/features/definition.js';
import { markAt, offsetOf, openFixture, positionAt, type OpenedFixture } from '../../helpers/lsp-helpers.js';
import { MAIN, SHARED } from './navigation-fixture.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

function definitionAt(marked: string): Location | null {
  fixture?.ws.remove();
  fixture = openFixture(marked, { 'shared.recon': SHARED });
  return definition(fixture.analysis, fixture.offset, fixture.store);
}

/** The location of the `nth` occurrence of `needle` in a file of the fixture. */
function at(file: 'main.recon' | 'shared.recon', needle: string, nth = 0): Location {
  const text = file === 'main.recon' ? fixture!.text : SHARED;
  const start = offsetOf(text, needle, nth);
  return { uri: fixture!.ws.uri(file), range: { start: positionAt(text, start), end: positionAt(text, start + needle.length) } };
}

describe('go to definition', () => {
  it('goes from a source reference to its declaration, in this file and through an import', () => {
    expect(definitionAt(markAt(MAIN, 'actual gate<|>way'))).toEqual(at('main.recon', 'gateway'));
    expect(definitionAt(markAt(MAIN, 'desired shared.led<|>ger'))).toEqual(at('shared.recon', 'ledger'));
  });

  it('goes to profiles, lets and groups of an imported module', () => {
    expect(definitionAt(markAt(MAIN, 'use shared.str<|>ict'))).toEqual(at('shared.recon', 'strict'));
    expect(definitionAt(markAt(MAIN, 'shared.thresh<|>old'))).toEqual(at('shared.recon', 'threshold'));
    expect(definitionAt(markAt(MAIN, 'from shared.le<|>ads'))).toEqual(at('shared.recon', 'leads'));
  });

  it('goes from a test to its policy, and from an alias to its import', () => {
    expect(definitionAt(markAt(MAIN, 'policy par<|>ity\n'))).toEqual(at('main.recon', 'parity'));
    expect(definitionAt(markAt(MAIN, 'desired sha<|>red.ledger'))).toEqual(at('main.recon', 'shared', 1));
  });

  it('goes from an import path to the module file', () => {
    expect(definitionAt(markAt(MAIN, '"./shared.re<|>con"'))).toEqual({ uri: fixture?.ws.uri('shared.recon') ?? '', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
  });

  it('goes from a field to its declaration in its source, also across files', () => {
    expect(definitionAt(markAt(MAIN, 'actual.amo<|>unt'))).toEqual(at('main.recon', 'amount', 0));
    expect(definitionAt(markAt(MAIN, 'desired.amo<|>unt'))).toEqual(at('shared.recon', 'amount', 0));
    expect(definitionAt(markAt(MAIN, '    amo<|>unt within'))).toEqual(at('shared.recon', 'amount', 0));
  });

  it('goes from a root to the source it stands for', () => {
    expect(definitionAt(markAt(MAIN, 'when actu<|>al.amount'))).toEqual(at('main.recon', 'gateway'));
  });

  it('has no definition for keywords and built-ins', () => {
    expect(definitionAt(markAt(MAIN, 'rem<|>ediate'))).toBeNull();
    expect(definitionAt(markAt(MAIN, 'from c<|>sv("gateway.csv")'))).toBeNull();
  });
});
