import { useState } from 'react';
import { FormActions } from '../../components/FormActions';
import { Modal } from '../../components/Modal';
import { saveDraft } from './actions';

interface Props {
  /** Prefill when saving a copy of a library prompt. */
  initialName?: string;
  onClose(): void;
  onSaved(message: string): void;
}

export function SaveDialog({ initialName = '', onClose, onSaved }: Props): React.JSX.Element {
  const [name, setName] = useState(initialName);
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <Modal title="Save prompt to the library" onClose={onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          const tagList = tags.split(',').map((t) => t.trim()).filter((t) => t !== '');
          saveDraft({ newPrompt: { name, description, tags: tagList } })
            .then((message) => onSaved(message))
            .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
            .finally(() => setBusy(false));
        }}
      >
        <label>
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        </label>
        <label>
          <span>Description</span>
          <textarea rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          <span>Tags (comma-separated)</span>
          <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="support, summarise" />
        </label>
        <FormActions submitLabel="Save to library" busy={busy} error={error} onCancel={onClose} />
      </form>
    </Modal>
  );
}
