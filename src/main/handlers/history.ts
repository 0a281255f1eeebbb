/** History's methods: comparing two runs, and the run kept open across a reload or a restart. */
import type { Handlers } from '../../shared/contract';
import type { Store } from '../store/store';

type HistoryHandlers = Pick<Handlers, 'runs.compare' | 'runs.opened' | 'runs.setOpened'>;

export function historyHandlers(store: Store): HistoryHandlers {
  return {
    // A run compared with itself is allowed (every row the same); the page only offers two different ones.
    'runs.compare': ({ baseRunId, otherRunId, rows, offset, limit }) => Promise.resolve(store.history.compare(baseRunId, otherRunId, { rows, offset, limit })),
    'runs.opened': () => {
      const runId = store.history.opened();
      return Promise.resolve(runId !== undefined ? { runId } : {});
    },
    'runs.setOpened': ({ runId }) => {
      store.history.setOpened(runId);
      return Promise.resolve({});
    },
  };
}
