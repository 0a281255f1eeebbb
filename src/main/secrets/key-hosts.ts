/**
 * The hosts the person allowed to receive a key from an environment variable that is not
 * theirs by rule (src/shared/key-hosts.ts), kept in the store's key-value table so the app and
 * `parallax eval` on the same data folder agree.
 */
import { z } from 'zod';
import { ENVAR_NAME, normaliseApprovalHost, type KeyHostApproval } from '../../shared/key-hosts';

export interface ValueStore {
  getValue(key: string): string | undefined;
  setValue(key: string, value: string): void;
}

const KEY = 'keyHosts';
const MAX_APPROVALS = 200;
const approvalsSchema = z.array(z.object({ envar: z.string().regex(ENVAR_NAME), host: z.string() })).max(MAX_APPROVALS);

/** The saved approvals; an unreadable value (a hand-edited database) counts as none. */
export function loadKeyHostApprovals(store: ValueStore): KeyHostApproval[] {
  const text = store.getValue(KEY);
  if (text === undefined) return [];
  try {
    const parsed = approvalsSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return [];
    return parsed.data.flatMap((a) => {
      const host = normaliseApprovalHost(a.host);
      return host === undefined ? [] : [{ envar: a.envar, host }];
    });
  } catch {
    return [];
  }
}

function same(a: KeyHostApproval, b: KeyHostApproval): boolean {
  return a.envar === b.envar && a.host === b.host;
}

export function addKeyHostApproval(store: ValueStore, approval: KeyHostApproval): KeyHostApproval[] {
  const host = normaliseApprovalHost(approval.host);
  if (!ENVAR_NAME.test(approval.envar) || host === undefined) throw new Error('An approval needs a variable name and a host name.');
  const wanted = { envar: approval.envar, host };
  const list = loadKeyHostApprovals(store);
  if (list.some((a) => same(a, wanted))) return list;
  if (list.length >= MAX_APPROVALS) throw new Error(`At most ${MAX_APPROVALS} approvals; remove some first.`);
  const next = [...list, wanted];
  store.setValue(KEY, JSON.stringify(next));
  return next;
}

export function removeKeyHostApproval(store: ValueStore, approval: KeyHostApproval): KeyHostApproval[] {
  const host = normaliseApprovalHost(approval.host) ?? approval.host;
  const next = loadKeyHostApprovals(store).filter((a) => !same(a, { envar: approval.envar, host }));
  store.setValue(KEY, JSON.stringify(next));
  return next;
}
