import { useEffect, useState } from 'react';
import { useRun } from '../../state/run';
import { etaSeconds, finishedOf } from '../../state/stream-reducer';
import { progressLine } from './summary';

/** Re-renders every second while the run goes on, so the ETA counts down between events. */
function useTick(active: boolean): number {
  const [tick, setTick] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick(performance.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return tick;
}

/** "412 / 1,000 · 3 errors · ETA 0:42 · $0.18 so far", with a bar. */
export function RunProgress({ label, compact = false }: { label: string; compact?: boolean }): React.JSX.Element | null {
  const runId = useRun((s) => s.runId);
  const progress = useRun((s) => s.progress);
  const running = useRun((s) => s.running);
  const pace = useRun((s) => s.pace);
  const now = useTick(running);
  if (!runId) return null;
  const finished = finishedOf(progress);
  const eta = pace ? etaSeconds(progress, pace, Math.max(now, pace.at)) : undefined;
  const line = progressLine(progress, eta, running);
  const share = (n: number): number => (progress.total === 0 ? 0 : (n / progress.total) * 100);
  const answered = finished - progress.cancelled;
  return (
    <div className={compact ? 'run-progress compact' : 'run-progress'}>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={progress.total}
        aria-valuenow={answered}
        aria-valuetext={line}
        className="progress-bar"
      >
        <div className="progress-fill" style={{ width: `${share(progress.done)}%` }} />
        <div className="progress-fill errors" style={{ width: `${share(progress.error)}%` }} />
        <div className="progress-fill stopped" style={{ width: `${share(progress.cancelled)}%` }} />
      </div>
      <span className="progress-text">{line}</span>
    </div>
  );
}
