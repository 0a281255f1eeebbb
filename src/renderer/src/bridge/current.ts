/** The bridge chosen at start-up, for the stores to use. */
import type { Api } from '../../../shared/contract';
import type { Bridge } from './bridge';

let current: Bridge | undefined;

export function setBridge(bridge: Bridge): void {
  current = bridge;
}

export function api(): Api {
  if (!current) throw new Error('The bridge is not ready yet.');
  return current.api;
}

export function bridge(): Bridge {
  if (!current) throw new Error('The bridge is not ready yet.');
  return current;
}
