import type { PROMPT_FORMAT_IDS } from '../../../../shared/contract';

export type FormatId = (typeof PROMPT_FORMAT_IDS)[number];

/** What the export menu offers, in the order people reach for them. */
export const EXPORT_CHOICES: readonly { id: FormatId; label: string }[] = [
  { id: 'prompty', label: 'Prompty (.prompty)' },
  { id: 'promptfoo-json', label: 'promptfoo chat prompt (.json)' },
  { id: 'promptfoo-text', label: 'promptfoo text prompt (.txt)' },
  { id: 'openai-chat', label: 'OpenAI chat request (.json)' },
  { id: 'markdown', label: 'Markdown with front matter (.md)' },
  { id: 'typescript', label: 'TypeScript, openai SDK (.ts)' },
  { id: 'python', label: 'Python, openai SDK (.py)' },
  { id: 'curl', label: 'curl (.sh)' },
];
