/**
 * Hands an exported file to the person: the native save dialog on the desktop, a download
 * in the browser.
 */
import { api } from '../../bridge/current';
import { useUi } from '../../state/ui';
import { decodeTextFile } from '../../../../shared/text-file';

export interface OutgoingFile {
  fileName: string;
  text: string;
  mimeType: string;
}

/** Returns a sentence saying where the file went, or undefined if the person cancelled. */
export async function deliverFile(file: OutgoingFile): Promise<string | undefined> {
  if (useUi.getState().info?.door === 'electron') {
    const result = await api()['files.saveAs'](file);
    return result.saved ? `Saved ${result.path ?? file.fileName}.` : undefined;
  }
  const url = URL.createObjectURL(new Blob([file.text], { type: file.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return `Downloaded ${file.fileName}.`;
}

/**
 * Reads a picked or dropped file as text, refusing anything over 5 MB and anything that is not
 * text; a file that is not UTF-8 is read as Latin-1 (windows-1252), as shared/text-file.ts says.
 */
export async function readPicked(file: File): Promise<{ fileName: string; text: string }> {
  if (file.size > 5 * 1024 * 1024) throw new Error(`${file.name} is larger than 5 MB: is it the right file?`);
  const decoded = decodeTextFile(new Uint8Array(await file.arrayBuffer()));
  if (!decoded.ok) throw new Error(`${file.name} cannot be imported: ${decoded.reason}.`);
  return { fileName: file.name, text: decoded.text };
}

export function isExperimentFile(fileName: string): boolean {
  return /\.ya?ml$/i.test(fileName);
}
