import type { KubeObject } from "@kubedump/kube";
import type { ObjectObserver } from "./type-recorder.js";

/** An object that has owners: the watch target (`typeKey`) it belongs to, and its owners' uids. */
interface Owned {
  type: string;
  owners: string[];
}

/**
 * Who owns whom around an application's target, as its recorder needs it: uid → owner uids of the
 * objects that HAVE ownerReferences among the candidate types (nothing of objects without owners,
 * never an object's body), the target's uid (the root), and the uids whose owner chain reaches it
 * (the members: what a backup with includeDependants holds beside the target, as planApplication
 * finds them). Every type recorder of the scope tells it what it lists and watches (observerOf);
 * when an object's owners, a deletion or the target move other objects in or out of the members,
 * `onMoved` names their types, whose recorders relist to record them as added or deleted — the
 * object whose change moved them is decided by its own recorder as it records that change.
 */
export class OwnerGraph {
  private root: string | undefined;
  private readonly owned = new Map<string, Owned>();
  private readonly children = new Map<string, Set<string>>();
  private members = new Set<string>();

  constructor(private readonly onMoved: (types: Set<string>) => void) {}

  /** Objects with owners held (their uids and owners only). */
  get size(): number {
    return this.owned.size;
  }

  /** Whether `uid`'s owner chain reaches the target. */
  isMember(uid: string | undefined): boolean {
    return uid !== undefined && this.members.has(uid);
  }

  /** What the recorder of watch target `type` (a candidate type) tells the graph. */
  observerOf(type: string): ObjectObserver {
    let listing: Set<string> | undefined;
    return {
      listing: () => {
        listing = new Set();
      },
      seen: (obj) => {
        const uid = obj.metadata.uid;
        if (!uid) return;
        if (obj.metadata.ownerReferences?.length) listing?.add(uid);
        this.set(uid, type, ownersOf(obj));
      },
      listed: () => {
        const gone = [...this.owned].filter(([uid, o]) => o.type === type && !listing?.has(uid)).map(([uid]) => uid);
        listing = undefined;
        const moving = gone.some((uid) => this.members.has(uid));
        for (const uid of gone) this.unlink(uid);
        if (moving) this.settle(new Set(gone));
      },
      deleted: (obj) => {
        const uid = obj.metadata.uid;
        if (uid && this.unlink(uid) && this.members.has(uid)) this.settle(new Set([uid]));
      },
    };
  }

  /** Forgets the owners of every object of watch target `type` (no longer served). */
  dropType(type: string): void {
    const observer = this.observerOf(type);
    observer.listing();
    observer.listed();
  }

  /** What the recorder of the target's type (listing the target by name) tells the graph: the root. */
  rootObserver(): ObjectObserver {
    let found: string | undefined;
    return {
      listing: () => {
        found = undefined;
      },
      seen: (obj) => {
        found = obj.metadata.uid;
        this.setRoot(found);
      },
      listed: () => this.setRoot(found),
      deleted: (obj) => {
        if (obj.metadata.uid === this.root) this.setRoot(undefined);
      },
    };
  }

  private setRoot(uid: string | undefined): void {
    if (uid === this.root) return;
    this.root = uid;
    this.settle(new Set());
  }

  /** Holds `uid`'s owners (none: forgets it); the members are computed again when they changed. */
  private set(uid: string, type: string, owners: string[]): void {
    const held = this.owned.get(uid);
    if (held && held.owners.length === owners.length && held.owners.every((o, i) => o === owners[i])) return;
    if (!held && !owners.length) return;
    // Neither a member nor owned by one: it stays out, and so does all below it.
    const moving = this.members.has(uid) || owners.some((o) => o === this.root || this.members.has(o));
    this.unlink(uid);
    if (owners.length) {
      this.owned.set(uid, { type, owners });
      for (const owner of owners) {
        const set = this.children.get(owner) ?? new Set<string>();
        set.add(uid);
        this.children.set(owner, set);
      }
    }
    if (moving) this.settle(new Set([uid]));
  }

  /** Forgets `uid`'s owners; false when none were held. */
  private unlink(uid: string): boolean {
    const held = this.owned.get(uid);
    if (!held) return false;
    this.owned.delete(uid);
    for (const owner of held.owners) {
      const set = this.children.get(owner);
      set?.delete(uid);
      if (set?.size === 0) this.children.delete(owner);
    }
    return true;
  }

  /**
   * The members again, from the root down; the types of those that came or went, except `causes`
   * (whose own recorders decide them as they record the change), go to onMoved.
   */
  private settle(causes: Set<string>): void {
    const next = new Set<string>();
    const queue = this.root === undefined ? [] : [this.root];
    for (let uid = queue.pop(); uid !== undefined; uid = queue.pop())
      for (const child of this.children.get(uid) ?? []) {
        if (next.has(child) || child === this.root) continue;
        next.add(child);
        queue.push(child);
      }
    const moved = new Set<string>();
    const note = (uid: string) => {
      const type = this.owned.get(uid)?.type;
      if (!causes.has(uid) && type !== undefined) moved.add(type);
    };
    for (const uid of next) if (!this.members.has(uid)) note(uid);
    for (const uid of this.members) if (!next.has(uid)) note(uid);
    this.members = next;
    if (moved.size) this.onMoved(moved);
  }
}

/** The uids `obj` names in ownerReferences, sorted (their order does not matter). */
function ownersOf(obj: KubeObject): string[] {
  return (obj.metadata.ownerReferences ?? [])
    .map((r) => r.uid)
    .filter((uid): uid is string => typeof uid === "string" && uid !== "")
    .sort();
}
