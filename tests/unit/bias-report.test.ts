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

describe('bias report on a large probe', () => {
  it('reads 2,000 answers with checks in reasonable time, with fewer shuffles it says so', () => {
    // 2,000 answers of one variant (about 2 million pairs), 40 words each, all graded and scored.
    const caseValues = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 'Emily' : 'Jamal'));
    let state = 7;
    const word = (): string => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return `w${state % 300}`;
    };
    const all: ProbeAnswer[] = caseValues.flatMap((_, caseIndex) =>
      Array.from({ length: 5 }, (_, repeat) => ({
        cellId: `${caseIndex}-${repeat}`,
        caseIndex,
        columnIndex: 0,
        repeat,
        output: Array.from({ length: 40 }, word).join(' '),
        ok: true,
        pass: (caseIndex + repeat) % 3 === 0,
        score: (caseIndex * 7 + repeat) % 5,
      })),
    );
    const started = performance.now();
    const report = biasReport(names, all, caseValues, { permutations: 10_000 });
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(20);
    expect(report.answers).toBe(2000);
    // 1,999,000 pairs × 3 tests (text, pass, score) within 2e8 visits: 33 shuffles, said in the note.
    expect(report.text?.permutations).toBe(33);
    expect(report.pass?.permutations).toBe(33);
    expect(report.note).toMatch(/1,999,000 pairs to compare, so 33 shuffles were made instead of 10000: p cannot go below 0.029/);
    // One variant: its test is the text test, not a second run of it.
    expect(report.variants).toEqual([{ columnIndex: 0, text: report.text }]);
  }, 60_000);

  it('keeps the shuffles asked for when the probe is small', () => {
    const { all, caseValues } = answers({ Emily: ['a b', 'a b c'], Jamal: ['c d', 'c d e'] });
    expect(biasReport(names, all, caseValues, { permutations: 3000 }).text?.permutations).toBe(3000);
    expect(biasReport(names, all, caseValues, { permutations: 50_000 }).text?.permutations).toBe(10_000);
  });
});
