import { useState } from 'react';
import { FormActions } from '../../components/FormActions';
import { Modal } from '../../components/Modal';
import { messageOf } from '../../state/errors';
import { importFile, splitPicked } from './import';

interface Props {
  /** A file dropped on the window that could not be imported as it was (e.g. a name clash). */
  initialFile?: { fileName: string; text: string };
  initialError?: string;
  onClose(): void;
  onDone(message: string): void;
}

export function ImportDialog({ initialFile, initialError, onClose, onDone }: Props): React.JSX.Element {
  const [file, setFile] = useState<File | { fileName: string; text: string } | undefined>(initialFile);
  const [siblings, setSiblings] = useState<File[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>(initialError);
  const [busy, setBusy] = useState(false);
  return (
    <Modal title="Import a file" onClose={onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!file) {
            setError('Choose a file first.');
            return;
          }
          setBusy(true);
          setError(undefined);
          importFile(file, name.trim() === '' ? undefined : name.trim(), siblings)
            .then(onDone)
            .catch((e: unknown) => setError(messageOf(e)))
            .finally(() => setBusy(false));
        }}
      >
        <p className="muted hint">
          A prompt file (.prompty, .json, .txt, .j2, .md) is added to the library. A promptfooconfig.yaml opens in the editor. You can also drop files on the window. With a .prompty, pick the files it names too (its base, ${'${file:…}'}, includes); with a promptfooconfig.yaml, its nunjucksFilters and file:// values.
        </p>
        <label>
          <span>File</span>
          <input
            type="file"
            multiple
            onChange={(e) => {
              const picked = splitPicked([...(e.target.files ?? [])]);
              setFile(picked.main);
              setSiblings(picked.siblings);
            }}
          />
        </label>
        {initialFile && <p className="muted">{initialFile.fileName}</p>}
        <label>
          <span>Name in the library (optional)</span>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="the name inside the file" />
        </label>
        <FormActions submitLabel="Import" busy={busy} error={error} onCancel={onClose} />
      </form>
    </Modal>
  );
}
