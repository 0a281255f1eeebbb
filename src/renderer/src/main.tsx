// Monaco first: it must be configured before @monaco-editor/react is used anywhere.
import './monaco/setup';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { BridgeError, createBridge, type Bridge } from './bridge';
import { STALE_TOKEN_CALL_MESSAGE, STALE_TOKEN_MESSAGE, tokenFromHash } from './bridge/web';
import { setBridge } from './bridge/current';
import { useConnection } from './state/connection';
import { messageOf } from './state/errors';
import { useLibrary } from './state/library';
import { useProviders } from './state/providers';
import { handleRunEvent, restoreOpenRun, useRun } from './state/run';
import { useUi } from './state/ui';
import { snapshot, startAutosave, useWorkspace } from './state/workspace';
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

/** Loads what the app shows first, then the app itself. */
async function load(bridge: Bridge): Promise<void> {
  const [info, workspace] = await Promise.all([bridge.api['app.info']({}), bridge.api['workspace.get']({}), useProviders.getState().refresh()]);
  useUi.setState({ info });
  useWorkspace.getState().load(workspace);
  startAutosave();
  // The run that was open before a reload or a restart, back in Results and Verdict.
  void restoreOpenRun();
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

function isStaleToken(error: unknown): boolean {
  return error instanceof BridgeError && error.code === 'unauthorized';
}

/** Browser mode without a token: start as soon as one is pasted into the address bar (no reload needed). */
function startOnNewToken(): void {
  const onHash = (): void => {
    if (!tokenFromHash(window.location.hash)) return;
    window.removeEventListener('hashchange', onHash);
    void start();
  };
  window.addEventListener('hashchange', onHash);
}

async function start(): Promise<void> {
  const bridge = createBridge();
  if ('error' in bridge) {
    fatal(bridge.error);
    startOnNewToken();
    return;
  }
  setBridge(bridge);
  let loaded = false;
  const tryLoad = (): void => {
    load(bridge).then(
      () => void (loaded = true),
      (error: unknown) => {
        // A stale token waits for the new one (onAccess below); anything else is the end.
        fatal(isStaleToken(error) ? STALE_TOKEN_MESSAGE : messageOf(error));
      },
    );
  };
  bridge.onAccess?.((access) => {
    useConnection.setState({ access });
    if (access !== 'ok') return;
    if (!loaded) {
      tryLoad();
      return;
    }
    // Back with a new token: a run refused meanwhile may be started again, and a draft save
    // refused meanwhile goes through now.
    if (useRun.getState().error === STALE_TOKEN_CALL_MESSAGE) useRun.setState({ error: undefined });
    if (useWorkspace.getState().save.kind === 'error') {
      bridge.api['workspace.save'](snapshot()).then(
        () => useWorkspace.setState({ save: { kind: 'saved' } }),
        () => undefined,
      );
    }
  });
  bridge.onEvent(handleRunEvent);
  bridge.onReconnect?.(() => void useRun.getState().resync());
  tryLoad();
}

start().catch((error: unknown) => fatal(messageOf(error)));
