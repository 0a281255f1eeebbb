/** "Explainer v3 (production)": a library version's name for headers and pickers, read once. */
import { useEffect, useState } from 'react';
import { api } from '../../bridge/current';

const names = new Map<string, Promise<string>>();

async function read(versionId: string): Promise<string> {
  const version = await api()['library.version']({ versionId });
  const { prompt } = await api()['library.get']({ promptId: version.promptId });
  return `${prompt.name} v${version.number}${version.label ? ` (${version.label})` : ''}`;
}

export function versionName(versionId: string): Promise<string> {
  let found = names.get(versionId);
  if (!found) {
    found = read(versionId).catch(() => {
      names.delete(versionId);
      return 'a version that no longer exists';
    });
    names.set(versionId, found);
  }
  return found;
}

export function useVersionName(versionId: string | undefined): string | undefined {
  const [name, setName] = useState<{ id: string; name: string } | undefined>();
  useEffect(() => {
    if (!versionId) return;
    let live = true;
    void versionName(versionId).then((n) => {
      if (live) setName({ id: versionId, name: n });
    });
    return () => {
      live = false;
    };
  }, [versionId]);
  return versionId && name?.id === versionId ? name.name : undefined;
}
