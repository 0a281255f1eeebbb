// The editor core with its contributions (find, folding, …) but without the bundled
// languages, which Parallax does not need. Same API as editor.api.
declare module 'monaco-editor/esm/vs/editor/edcore.main.js' {
  export * from 'monaco-editor/esm/vs/editor/editor.api.js';
}
