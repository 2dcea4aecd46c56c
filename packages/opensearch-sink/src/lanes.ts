import type { Item } from './item.js';

/**
 * Per-id ordering: one lane per `index` + `id`, holding the current write of that id (queued, in flight, backing
 * off or being resolved); later writes wait behind it. A full-document write (index, create, delete) that was never
 * sent, or failed and waits for a retry, is replaced by a newer one: it ends `superseded` through `supersede`.
 */
export class IdLanes<T> {
  /** index → id → the current write of that id. */
  private readonly lanes = new Map<string, Map<string, Item<T>>>();
  private lastIndex = '';
  private lastById: Map<string, Item<T>> | undefined;

  constructor(private readonly supersede: (item: Item<T>) => void) {}

  /** Takes an admitted write; `true`: it may go now, `false`: it waits (`held`) for the current one of its id. */
  enter(item: Item<T>): boolean {
    const id = item.id;
    if (id === undefined) return true;
    const byId = this.idsOf(item.index, true)!;
    const current = byId.get(id);
    if (current === undefined) {
      byId.set(id, item);
      item.current = true;
      return true;
    }
    const waiting = current.waiting;
    if (
      (waiting === undefined || waiting.length === 0) &&
      item.replaceable &&
      current.replaceable &&
      (current.state === 'ready' || current.state === 'isolated' || current.state === 'backoff')
    ) {
      // The older version was never sent (or failed and waits for a retry): the newer one takes its place.
      byId.set(id, item);
      item.current = true;
      current.current = false;
      this.supersede(current);
      return true;
    }
    item.state = 'held';
    if (waiting === undefined) {
      current.waiting = [item];
    } else {
      const last = waiting[waiting.length - 1];
      if (last?.replaceable && item.replaceable) {
        waiting[waiting.length - 1] = item;
        this.supersede(last);
      } else {
        waiting.push(item);
      }
    }
    return false;
  }

  /**
   * The write ended (or was superseded): the next write of its id becomes current and is returned, to be queued.
   * A write that is not the current one of its id (superseded while held) returns nothing.
   */
  leave(item: Item<T>): Item<T> | undefined {
    if (!item.current) return undefined;
    item.current = false;
    const byId = this.idsOf(item.index, false)!;
    const waiting = item.waiting;
    const next = waiting?.shift();
    item.waiting = undefined;
    if (next === undefined) {
      byId.delete(item.id!);
      if (byId.size === 0 && this.lanes.size > 64) {
        this.lanes.delete(item.index);
        if (this.lastById === byId) this.lastById = undefined;
      }
      return undefined;
    }
    next.waiting = waiting !== undefined && waiting.length > 0 ? waiting : undefined;
    next.current = true;
    byId.set(item.id!, next);
    return next;
  }

  /**
   * A write going into backoff is replaced by the next write of its id when both are full-document writes: the
   * older one ends `superseded` (and its ending hands the lane to the newer one). `true` if it was replaced.
   */
  replaceInBackoff(item: Item<T>): boolean {
    if (item.id === undefined || !item.replaceable) return false;
    const next = item.waiting?.[0];
    if (next === undefined || !next.replaceable || !item.current) return false;
    this.supersede(item);
    return true;
  }

  /** Every write in a lane (current and waiting), for abort; the lanes are emptied. */
  drain(): Item<T>[] {
    const out: Item<T>[] = [];
    for (const byId of this.lanes.values()) {
      for (const current of byId.values()) {
        current.current = false;
        out.push(current);
        if (current.waiting !== undefined) out.push(...current.waiting);
      }
    }
    this.lanes.clear();
    this.lastById = undefined;
    return out;
  }

  private idsOf(index: string, create: boolean): Map<string, Item<T>> | undefined {
    if (index === this.lastIndex && this.lastById !== undefined) return this.lastById;
    let byId = this.lanes.get(index);
    if (byId === undefined) {
      if (!create) return undefined;
      byId = new Map();
      this.lanes.set(index, byId);
    }
    this.lastIndex = index;
    this.lastById = byId;
    return byId;
  }
}
