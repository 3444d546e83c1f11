import type { IssueCode, PartCategory } from '@imageflow/pipeline';
import { describe, expect, it } from 'vitest';
import { defaultLanguage, LANGUAGES, messages, placeholdersOf, translate, type MessageKey } from './messages';

// Typed as a full record: a new IssueCode or category fails to compile here until it is listed.
const ISSUE_CODES: Record<IssueCode, true> = {
  EMPTY_PIPELINE: true,
  INVALID_NODE_ID: true,
  DUPLICATE_NODE: true,
  UNKNOWN_PART: true,
  UNKNOWN_NODE: true,
  UNKNOWN_PORT: true,
  TYPE_MISMATCH: true,
  DUPLICATE_INPUT: true,
  MISSING_INPUT: true,
  INVALID_PARAMETERS: true,
  INVALID_POLICY: true,
  INVALID_CONDITION: true,
  CYCLE: true,
};
const CATEGORIES: Record<PartCategory, true> = { pre: true, ai: true, post: true };

describe('i18n dictionary', () => {
  const keys = Object.keys(messages.en).sort();

  it('has every key in both languages, none empty', () => {
    for (const language of LANGUAGES) {
      expect(Object.keys(messages[language]).sort()).toEqual(keys);
      for (const key of keys)
        expect(messages[language][key as MessageKey].trim(), `${language} ${key}`).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of keys as MessageKey[]) {
      expect(placeholdersOf(messages.ja[key]), key).toEqual(placeholdersOf(messages.en[key]));
    }
  });

  it('really translates the menus and palette (Japanese differs from English)', () => {
    for (const key of [
      'palette.title',
      'palette.search',
      'palette.category.pre',
      'canvas.undo',
      'canvas.layout',
      'login.title',
    ] as const) {
      expect(messages.ja[key]).not.toBe(messages.en[key]);
    }
  });

  it('has a text for every validation issue code and part category', () => {
    for (const code of Object.keys(ISSUE_CODES)) expect(keys).toContain(`issue.${code}`);
    for (const category of Object.keys(CATEGORIES)) expect(keys).toContain(`palette.category.${category}`);
    for (const language of LANGUAGES) expect(keys).toContain(`app.languageName.${language}`);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'palette.add', { title: 'Resize' })).toBe('Add Resize to the canvas');
    expect(translate('ja', 'palette.add', { title: 'リサイズ' })).toBe('リサイズ をキャンバスに追加');
    expect(translate('en', 'palette.add')).toBe('Add {title} to the canvas');
  });

  it('defaults to the browser language: Japanese for ja*, English otherwise', () => {
    expect(defaultLanguage(['ja-JP', 'en-US'])).toBe('ja');
    expect(defaultLanguage(['ja'])).toBe('ja');
    expect(defaultLanguage(['en-GB', 'ja'])).toBe('en');
    expect(defaultLanguage(['de-DE', 'ja-JP'])).toBe('ja');
    expect(defaultLanguage(['fr'])).toBe('en');
    expect(defaultLanguage([])).toBe('en');
  });
});
