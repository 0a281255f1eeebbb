// Monaco first: it must be configured before @monaco-editor/react is used anywhere.
import './monaco/setup';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createBridge } from './bridge';
import { setBridge } from './bridge/current';
import { messageOf } from './state/errors';
import { useLibrary } from './state/library';
import { useProviders } from './state/providers';
import { handleRunEvent, useRun } from './state/run';
import { useUi } from './state/ui';
import { startAutosave, useWorkspace } from './state/workspace';
import './styles.css';

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root');
const root = createRoot(rootElement);

function fatal(message: string): void {
  root.render(
    <div className="fatal" role="alert">
      <h1>Parallax could not start</h1>
      <p>{message}</p>
    </div>,
  );
}

async function start(): Promise<void> {
  const bridge = createBridge();
  if ('error' in bridge) {
    fatal(bridge.error);
    return;
  }
  setBridge(bridge);
  bridge.onEvent(handleRunEvent);
  bridge.onReconnect?.(() => void useRun.getState().resync());
  const [info, workspace] = await Promise.all([bridge.api['app.info']({}), bridge.api['workspace.get']({}), useProviders.getState().refresh()]);
  useUi.setState({ info });
  useWorkspace.getState().load(workspace);
  startAutosave();
  void useLibrary.getState().search('');
  void useLibrary.getState().loadLinked();
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
  // An explicit marker that tests wait for, instead of sleeping.
  document.body.dataset.ready = 'true';
}

start().catch((error: unknown) => fatal(messageOf(error)));
