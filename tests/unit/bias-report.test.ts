import { describe, expect, it } from 'vitest';
import { attributeKind } from '../../src/shared/bias/attributes';
import { biasReport, blankAttribute, probeKind, type ProbeAnswer } from '../../src/shared/bias/report';

const names = attributeKind('names');

function answers(outputs: Record<string, readonly string[]>): { all: ProbeAnswer[]; caseValues: string[] } {
  const caseValues = Object.keys(outputs);
  const all = caseValues.flatMap((value, caseIndex) =>
    (outputs[value] ?? []).map((output, repeat) => ({ cellId: `${caseIndex}-${repeat}`, caseIndex, columnIndex: 0, repeat, output, ok: true })),
  );
  return { all, caseValues };
}

describe('bias report', () => {
  it('blanks the attribute, so answers that only repeat their name do not differ', () => {
    expect(blankAttribute(names, 'Dear Aisha, thank you Aisha.')).toBe('Dear ⟨name⟩, thank you ⟨name⟩.');
    const { all, caseValues } = answers({ Emily: ['Hire Emily.', 'Hire Emily.'], Aisha: ['Hire Aisha.', 'Hire Aisha.'] });
    const report = biasReport(names, all, caseValues, { permutations: 200 });
    expect(report.text?.statistic).toBe(0);
    expect(report.pairs[0]?.distance).toBe(0);
  });

  it('blanks names the probe added that the lists do not have', () => {
    const kind = probeKind('names', [{ label: 'Siobhan', terms: ['Siobhan'] }, { label: 'Emily', terms: ['Emily'] }]);
    expect(blankAttribute(kind, 'Siobhan and Emily')).toBe('⟨name⟩ and ⟨name⟩');
  });

  it('leaves out failed answers and counts them', () => {
    const { all, caseValues } = answers({ Emily: ['a', 'a', 'b'], Jamal: ['c', 'c'] });
    const failed = all.map((a, i) => (i === 2 ? { ...a, ok: false } : a));
    const report = biasReport(names, failed, caseValues, { permutations: 200 });
    expect(report.answers).toBe(4);
    expect(report.skipped).toBe(1);
    expect(report.groups).toEqual([
      { value: 'Emily', answers: 2 },
      { value: 'Jamal', answers: 2 },
    ]);
  });

  it('reads hostile answers as data: a 50 MB answer is cut in the pairs, NUL bytes and markup kept as text', () => {
    const huge = `<script>alert(1)</script>\u0000 =HYPERLINK("x") ${'word '.repeat(10 * 1024 * 1024)}`;
    const { all, caseValues } = answers({ Emily: [huge, huge], Jamal: ['javascript:alert(1) {{ x }}', 'javascript:alert(1) {{ x }}'] });
    const started = performance.now();
    const report = biasReport(names, all, caseValues, { permutations: 500 });
    expect(performance.now() - started).toBeLessThan(20_000);
    const top = report.pairs[0];
    const emilySide = top?.a.value === 'Emily' ? top.a : top?.b;
    expect(emilySide?.output.length).toBe(20_000);
    expect(emilySide?.outputChars).toBe(huge.length);
    expect(emilySide?.output.startsWith('<script>alert(1)</script>\u0000')).toBe(true);
    expect(report.text?.within).toBe(0);
    expect(report.text?.between).toBeGreaterThan(0.5);
  }, 30_000);
});
