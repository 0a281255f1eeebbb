import { bridgeFunctionName, methodNames, type Api, type AppEvent, type MethodName } from '../../../shared/contract';
import { PRELOAD_GLOBAL, type PreloadApi, type PreloadMethod } from '../../../shared/bridge';
import type { Envelope } from '../../../shared/errors';
import { BridgeError, type Bridge } from './bridge';

export function preloadApi(): PreloadApi | undefined {
  const candidate: unknown = (window as unknown as Record<string, unknown>)[PRELOAD_GLOBAL];
  return candidate && typeof candidate === 'object' ? (candidate as PreloadApi) : undefined;
}

function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.data;
  throw new BridgeError(envelope.error.code, envelope.error.message);
}

export function createElectronBridge(preload: PreloadApi): Bridge {
  const api = {} as Record<MethodName, (input: unknown) => Promise<unknown>>;
  for (const name of methodNames) {
    const fn = preload[bridgeFunctionName(name)] as PreloadMethod | undefined;
    api[name] = async (input: unknown) => {
      if (!fn) throw new BridgeError('internal', `The app's preload does not offer ${name}.`);
      return unwrap(await fn(input ?? {}));
    };
  }
  return {
    api: api as unknown as Api,
    onEvent: (listener: (event: AppEvent) => void) => preload.onEvent(listener),
  };
}
