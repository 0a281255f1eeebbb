/**
 * Edits that are not valid yet (a check being typed, a JSON schema with a missing brace) live
 * in the component that shows them, and a component goes away when its tab is left. This keeps
 * them for the session, by a key, so switching tabs never throws away what a person typed.
 */
import { useCallback, useState } from 'react';

const kept = new Map<string, unknown>();

/** Like useState, but the value outlives the component until `forget(key)`. */
export function useKeptState<T>(key: string, initial: () => T): [T, (next: T) => void] {
  const [value, setValue] = useState<T>(() => (kept.has(key) ? (kept.get(key) as T) : initial()));
  const set = useCallback(
    (next: T): void => {
      kept.set(key, next);
      setValue(next);
    },
    [key],
  );
  return [value, set];
}

/** Drops what was kept under a key (the edit became valid and was saved, or was undone). */
export function forget(key: string): void {
  kept.delete(key);
}
