interface Props {
  submitLabel: string;
  busy: boolean;
  error: string | undefined;
  onCancel(): void;
}

/** The end of every dialog form: what went wrong, if anything, then submit and cancel. */
export function FormActions({ submitLabel, busy, error, onCancel }: Props): React.JSX.Element {
  return (
    <>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
