/**
 * The pieces the dedupe keys and rules stand on: the ASCII fast path of `foldName` (it must give exactly the
 * full Unicode fold's key, or stores and lookups would disagree) and the nickname table.
 */
import { describe, expect, it } from 'vitest';
import { foldName } from '../../src/sync/keys.js';
import { areNicknames } from '../../src/sync/nicknames.js';

/**
 * The full fold of an ASCII name, forced: a trailing " é" makes the name non-ASCII (so the Unicode path folds
 * it) and folds to a word " e" of its own, which is then taken off again.
 */
function unicodeFold(name: string): string {
  const folded = foldName(`${name} \u00e9`);
  return folded === 'e' ? '' : folded.slice(0, -2);
}

describe('foldName on ASCII names', () => {
  it('folds the usual cases', () => {
    expect(foldName("  O'Brien-SMITH  ")).toBe('obrien smith');
    expect(foldName('Mc`Donald\tJr.')).toBe('mcdonald jr');
    expect(foldName(" ' - ")).toBe('');
    expect(foldName('Room 101')).toBe('room 101');
  });

  it('gives the key the full Unicode fold gives, for every ASCII character and random ASCII names', () => {
    expect(unicodeFold('Jose  Garcia')).toBe('jose garcia');
    for (let code = 0; code < 128; code += 1) {
      const name = `a${String.fromCharCode(code)}b`;
      expect(foldName(name), `code point ${code}`).toBe(unicodeFold(name));
      expect(foldName(String.fromCharCode(code)), `code point ${code} alone`).toBe(
        unicodeFold(String.fromCharCode(code)),
      );
    }
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state >>> 16;
    };
    for (let sample = 0; sample < 2_000; sample += 1) {
      const length = next() % 12;
      let name = '';
      for (let index = 0; index < length; index += 1) name += String.fromCharCode(next() % 128);
      expect(foldName(name), JSON.stringify(name)).toBe(unicodeFold(name));
    }
  });

  it('still folds what is not ASCII', () => {
    expect(foldName('JOSÉ  García')).toBe('jose garcia');
    expect(foldName('Ærøskøbing Straße')).toBe('aeroskobing strasse');
  });
});

describe('areNicknames', () => {
  it('matches a name and its short forms, and two short forms of one name, either way round', () => {
    expect(areNicknames('robert', 'bob')).toBe(true);
    expect(areNicknames('bob', 'robert')).toBe(true);
    expect(areNicknames('bob', 'rob')).toBe(true);
    expect(areNicknames('alexandra', 'alex')).toBe(true);
    expect(areNicknames('alexander', 'alex')).toBe(true);
  });

  it('never matches two formal names that share a short form, equal names, or unknown names', () => {
    expect(areNicknames('alexander', 'alexandra')).toBe(false);
    expect(areNicknames('samuel', 'samantha')).toBe(false);
    expect(areNicknames('robert', 'robert')).toBe(false);
    expect(areNicknames('kenji', 'ken')).toBe(false);
  });
});
