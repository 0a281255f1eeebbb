/**
 * Requests in flight across providers (the CLI's -j), shared fairly. Each provider is a group
 * with a number of workers that want slots; a group's share of the slots is its part of a
 * water-filling split (no group gets more than it has workers, the rest is split evenly), and
 * a group never holds more than its share while another waits. So a provider whose requests
 * hang can hold at most its share, and a healthy provider beside it starts at once.
 *
 * A slot is held for one attempt only. A worker whose cell sleeps before a retry steps away
 * (`away`), so it neither holds a slot nor counts in the split while it sleeps.
 */

interface Group {
  /** Workers that want slots now (joined, and not away). */
  members: number;
  inFlight: number;
  waiters: (() => void)[];
}

export interface Lane {
  /** Waits for a slot; call the returned function once the attempt is over. */
  acquire(): Promise<() => void>;
  /** The worker sleeps (before a retry): it wants no slot until `back`. */
  away(): void;
  back(): void;
  /** The worker is done for good. */
  leave(): void;
}

export class FairLimiter {
  private readonly groups = new Map<string, Group>();
  private inFlight = 0;

  constructor(readonly max: number) {}

  /** A worker of `group` that will ask for slots. */
  join(group: string): Lane {
    const g = this.group(group);
    g.members++;
    let present = true;
    let left = false;
    const lane: Lane = {
      acquire: () => this.acquire(group),
      away: () => {
        if (!present || left) return;
        present = false;
        g.members--;
        this.pump();
      },
      back: () => {
        if (present || left) return;
        present = true;
        g.members++;
        this.pump();
      },
      leave: () => {
        if (left) return;
        left = true;
        if (present) g.members--;
        present = false;
        this.drop(group);
        this.pump();
      },
    };
    return lane;
  }

  /** Slots in flight now, per group (for tests and diagnostics). */
  snapshot(): { inFlight: number; groups: Record<string, { members: number; inFlight: number; waiting: number }> } {
    const groups: Record<string, { members: number; inFlight: number; waiting: number }> = {};
    for (const [name, g] of this.groups) groups[name] = { members: g.members, inFlight: g.inFlight, waiting: g.waiters.length };
    return { inFlight: this.inFlight, groups };
  }

  private group(name: string): Group {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = { members: 0, inFlight: 0, waiters: [] }));
    return g;
  }

  private drop(name: string): void {
    const g = this.groups.get(name);
    if (g && g.members === 0 && g.inFlight === 0 && g.waiters.length === 0) this.groups.delete(name);
  }

  private acquire(name: string): Promise<() => void> {
    const g = this.group(name);
    return new Promise((resolve) => {
      g.waiters.push(() => {
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          g.inFlight--;
          this.inFlight--;
          this.drop(name);
          this.pump();
        });
      });
      this.pump();
    });
  }

  /**
   * Each group's share: `max` split evenly among the groups that want slots, a group that
   * wants fewer than its even part keeping only what it wants and leaving the rest to others.
   * A group with waiters counts as wanting at least one slot even if its workers stepped away.
   */
  private shares(): Map<Group, number> {
    const demand = new Map<Group, number>();
    for (const g of this.groups.values()) {
      const wants = Math.max(g.members, g.inFlight > 0 || g.waiters.length > 0 ? Math.max(1, g.waiters.length) : 0);
      if (wants > 0) demand.set(g, wants);
    }
    const shares = new Map<Group, number>();
    let left = this.max;
    let open = [...demand.entries()].sort((a, b) => a[1] - b[1]);
    while (open.length > 0 && left > 0) {
      const even = Math.max(1, Math.floor(left / open.length));
      const [g, wants] = open[0] ?? [];
      if (g === undefined || wants === undefined) break;
      if (wants <= even) {
        shares.set(g, wants);
        left -= wants;
        open = open.slice(1);
        continue;
      }
      // Everyone left wants more than an even part: split what is left, the remainder to the first.
      let extra = left - even * open.length;
      for (const [group] of open) {
        const give = even + (extra > 0 ? 1 : 0);
        if (extra > 0) extra--;
        shares.set(group, Math.min(give, left));
        left -= Math.min(give, left);
      }
      open = [];
    }
    return shares;
  }

  private pump(): void {
    if (this.inFlight >= this.max) return;
    const shares = this.shares();
    for (;;) {
      if (this.inFlight >= this.max) return;
      // The waiting group furthest below its share goes first.
      let best: Group | undefined;
      let bestRoom = 0;
      for (const g of this.groups.values()) {
        if (g.waiters.length === 0) continue;
        const room = (shares.get(g) ?? 0) - g.inFlight;
        if (room > bestRoom) {
          best = g;
          bestRoom = room;
        }
      }
      if (!best) return;
      const grant = best.waiters.shift();
      if (!grant) return;
      best.inFlight++;
      this.inFlight++;
      grant();
    }
  }
}
