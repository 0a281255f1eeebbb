/**
 * defaultTest.options.rubricPrompt, as promptfoo reads it: a JSON chat list (text or a YAML
 * list) is the judge's messages, other text one user message; a file reference and a value of
 * another type are errors that name the field. No longer an "is ignored" warning.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue, parseConfig } from '../../src/shared/promptfoo/config';

function configWith(rubricPrompt: string): string {
  return ['prompts: ["Hi {{name}}"]', 'providers: [echo]', 'defaultTest:', '  options:', '    provider: echo', `    rubricPrompt: ${rubricPrompt}`, 'tests:', '  - vars: { name: Ada }', ''].join('\n');
}

describe('defaultTest.options.rubricPrompt', () => {
  it('reads a JSON chat list written as text, a YAML list, and plain text', () => {
    const json = parseConfig(configWith(JSON.stringify('[{"role":"system","content":"Grade."},{"role":"user","content":"{{ output }} / {{ rubric }}"}]')), 'c.yaml');
    if (!json.ok) throw new Error(json.errors.map(formatIssue).join('\n'));
    expect(json.config.rubricPrompt).toEqual([
      { role: 'system', content: 'Grade.' },
      { role: 'user', content: '{{ output }} / {{ rubric }}' },
    ]);
    expect(json.warnings.map(formatIssue).join('\n')).not.toMatch(/rubricPrompt/);

    const list = parseConfig(configWith('[{ role: user, content: "Is {{ output }} {{ rubric }}?" }]'), 'c.yaml');
    if (!list.ok) throw new Error(list.errors.map(formatIssue).join('\n'));
    expect(list.config.rubricPrompt).toEqual([{ role: 'user', content: 'Is {{ output }} {{ rubric }}?' }]);

    const text = parseConfig(configWith('"Grade {{ output }} against {{ rubric }}"'), 'c.yaml');
    if (!text.ok) throw new Error(text.errors.map(formatIssue).join('\n'));
    expect(text.config.rubricPrompt).toEqual([{ role: 'user', content: 'Grade {{ output }} against {{ rubric }}' }]);
  });

  it('refuses a file reference and a value that is not text or messages, naming the field', () => {
    const file = parseConfig(configWith('file://rubric.json'), 'c.yaml');
    expect(file.ok).toBe(false);
    if (!file.ok) expect(file.errors.map(formatIssue).join('\n')).toMatch(/defaultTest\.options\.rubricPrompt.*from a file is not supported/);
    const number = parseConfig(configWith('42'), 'c.yaml');
    expect(number.ok).toBe(false);
    if (!number.ok) expect(number.errors.map(formatIssue).join('\n')).toMatch(/rubricPrompt must be text or a list of chat messages/);
    const badRole = parseConfig(configWith('[{ role: judge, content: x }]'), 'c.yaml');
    expect(badRole.ok).toBe(false);
  });
});
