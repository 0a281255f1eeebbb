import { Modal } from '../../components/Modal';
import { useBias } from '../../state/bias';
import { ProbeReport } from './ProbeReport';
import { ProbeSetup } from './ProbeSetup';
import './bias.css';

/** The bias probe of one row: set it up, watch it run, read the report. */
export function BiasProbeDialog(): React.JSX.Element | null {
  const row = useBias((s) => s.row);
  const reportOf = useBias((s) => s.reportOf);
  const phase = useBias((s) => s.phase);
  const error = useBias((s) => s.error);
  const { close, stop } = useBias.getState();
  if (row === undefined && reportOf === undefined) return null;
  return (
    <Modal title={row !== undefined ? `Bias probe · row ${row + 1}` : 'Bias probe report'} onClose={close}>
      {phase.kind === 'setup' && row !== undefined && <ProbeSetup row={row} />}
      {phase.kind === 'loading' && <p role="status">Computing the report…</p>}
      {phase.kind === 'running' && (
        <div className="bias-running">
          <p role="status">
            Running the probe: {phase.done} of {phase.total} answers.
          </p>
          <progress max={phase.total} value={phase.done} aria-label="Probe progress" />
          <div className="row">
            <button type="button" onClick={() => void stop()}>
              Stop the probe
            </button>
          </div>
        </div>
      )}
      {phase.kind === 'report' && <ProbeReport runId={phase.runId} report={phase.report} canChange={row !== undefined} />}
      {error && phase.kind !== 'setup' && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}
