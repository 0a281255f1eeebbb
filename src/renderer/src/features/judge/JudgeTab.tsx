/**
 * The Judge tab: a run's blind pairs, or a ballot someone else sent (which needs no run here).
 * "Open ballot…" is always at hand, so a colleague with no runs of their own can vote.
 */
import { useBallot } from '../../state/ballot';
import { BallotView, OpenBallotButton } from './BallotView';

export function JudgeTab({ children }: { children: React.ReactNode }): React.JSX.Element {
  const open = useBallot((s) => s.ballot !== undefined);
  if (open) return <BallotView />;
  return (
    <div className="judge-tab">
      <div className="ballot-tools" role="group" aria-label="Ballots from others">
        <OpenBallotButton />
        <span className="muted">A ballot is a file of blind pairs someone sent you to vote on.</span>
      </div>
      {children}
    </div>
  );
}
