import { useState } from 'react';
import { api } from '../../bridge/current';
import { FormActions } from '../../components/FormActions';
import { Modal } from '../../components/Modal';
import { messageOf } from '../../state/errors';
import { deliverFile } from './deliver';
import { EXPORT_CHOICES, type FormatId } from './formats';

interface Props {
  versionId: string;
  title: string;
  onClose(): void;
  onDone(message: string): void;
}

export function ExportDialog({ versionId, title, onClose, onDone }: Props): React.JSX.Element {
  const [format, setFormat] = useState<FormatId>('prompty');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <Modal title={title} onClose={onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          api()['files.exportPrompt']({ versionId, format })
            .then(deliverFile)
            .then((message) => {
              if (message) onDone(message);
              else setBusy(false);
            })
            .catch((e: unknown) => {
              setError(messageOf(e));
              setBusy(false);
            });
        }}
      >
        <label>
          <span>Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as FormatId)}>
            {EXPORT_CHOICES.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <p className="muted hint">Exports never contain an API key: code snippets read it from an environment variable.</p>
        <FormActions submitLabel="Export" busy={busy} error={error} onCancel={onClose} />
      </form>
    </Modal>
  );
}
