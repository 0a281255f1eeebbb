/**
 * The names of the contract's methods, and how they map to IPC channels and preload
 * functions. Kept free of zod so the sandboxed preload stays small; contract.ts checks at
 * compile time that this list and the schemas agree.
 */
export const methodNames = [
  'app.info',
  'workspace.get',
  'workspace.save',
  'providers.list',
  'providers.save',
  'providers.remove',
  'providers.models',
  'keyHosts.list',
  'keyHosts.add',
  'keyHosts.remove',
  'pii.settings',
  'pii.save',
  'pii.preview',
  'runs.start',
  'runs.stop',
  'runs.list',
  'runs.get',
  'runs.compare',
  'runs.opened',
  'runs.setOpened',
  'runs.cells',
  'runs.cell',
  'toolCalls.check',
  'runs.rows',
  'runs.rowCells',
  'runs.progress',
  'runs.rerun',
  'runs.resume',
  'runs.batches',
  'runs.cancelBatches',
  'runs.sendFailedLive',
  'runs.estimate',
  'runs.checks',
  'runs.regradeEstimate',
  'runs.regrade',
  'runs.stopRegrade',
  'templates.preview',
  'answers.limit',
  'answers.setLimit',
  'prices.get',
  'prices.save',
  'judge.pairs',
  'judge.vote',
  'judge.votes',
  'judge.rate',
  'judge.verdict',
  'raters.me',
  'raters.setMe',
  'judge.exportBallot',
  'judge.importVotes',
  'judge.agreement',
  'judge.pairwise',
  'judge.pairwiseEstimate',
  'judge.pairwiseStop',
  'bias.report',
  'runs.export',
  'library.list',
  'library.get',
  'library.version',
  'library.save',
  'library.label',
  'library.restore',
  'library.remove',
  'files.exportPrompt',
  'files.importPrompt',
  'files.exportExperiment',
  'files.importExperiment',
  'files.saveAs',
  'images.save',
  'images.read',
  'author.settings',
  'author.saveSettings',
  'author.estimate',
  'author.generate',
  'author.estimateRevision',
  'author.tryRevision',
] as const;

export type MethodName = (typeof methodNames)[number];

/** The IPC channel for a method; the preload and the IPC binding both use this. */
export function ipcChannel(name: MethodName): string {
  return `parallax:${name}`;
}
export const EVENT_CHANNEL = 'parallax:event';

/** Flat function name the preload exposes for a method: `providers.list` → `providersList`. */
export function bridgeFunctionName(name: MethodName): string {
  return name.replace(/\.(\w)/g, (_m, c: string) => c.toUpperCase());
}
