/**
 * Monaco, bundled and offline. This module is imported first by the renderer entry: it wires
 * the editor worker through Vite's `?worker` import and hands our monaco instance to
 * @monaco-editor/react, which would otherwise fetch Monaco from a CDN.
 */
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor/esm/vs/editor/edcore.main.js';
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker';
import { registerTemplateLanguage } from './template-language';

self.MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

loader.config({ monaco });
registerTemplateLanguage(monaco);

export { monaco };
