import type { PromptVersion } from '../../../../shared/library';

/** A version as text for the diff: each message under its role, then model and sample values. */
export function versionText(version: PromptVersion): string {
  const parts = version.messages.map((m) => `### ${m.role}\n${m.content}`);
  if (version.model) {
    const { name, baseUrl, params } = version.model;
    const settings = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`);
    parts.push(`### model\n${name}${baseUrl ? ` @ ${baseUrl}` : ''}${settings.length > 0 ? `\n${settings.join('\n')}` : ''}`);
  }
  const sample = Object.entries(version.variables);
  if (sample.length > 0) parts.push(`### sample values\n${sample.map(([k, v]) => `${k}: ${v}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}
