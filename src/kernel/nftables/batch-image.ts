// What a span of a batch did to a table, kept to be done again on another node's table whose
// state at the span's start was the same: kube-proxy's first full sync writes every node's
// Service part alike (10,000 Services: 10,000 groups held unread, 20,000 elements). Only spans
// whose every command took the batch's fast path (a group held unread, an element read from its
// parts) into a table and sets the transaction created are kept; the same commands on the same
// state do the same, so the copy is what running them would make.
import type { ChainGroup } from './chain-group.js';
import type { Element } from './expr.js';
import type { NftRuleset, NftTable } from './ruleset.js';

export interface BatchImage {
  /** The table's state when the span started (tableState). */
  readonly before: string;
  /** The groups held unread, with their first handle counted from the span's first. */
  readonly groups: readonly (readonly [ChainGroup, number])[];
  /** Handles the span took. */
  readonly handles: number;
  /** The sets the span filled (each empty before), with their elements in order. */
  readonly elements: readonly (readonly [string, readonly (readonly [string, Element])[]])[];
  /** The table's use counts after the span. */
  readonly chainRefs: readonly (readonly [string, number])[];
  readonly setUse: readonly (readonly [string, number])[];
}

/** What a span's fast-path commands read of a table: its chains, its sets' types and sizes, its use counts (undefined: it holds groups unread, so no image is kept). */
export function tableState(t: NftTable): string | undefined {
  let unread = false;
  t.eachChain(
    () => {},
    () => (unread = true),
  );
  if (unread) return undefined;
  const sets = [...t.sets.values()].map((s) => [s.name, s.isMap, s.key, s.data, s.flags, s.timeout, s.size, s.kernelSize, s.elements.size]);
  return JSON.stringify([t.chainNames(), sets, [...t.chainRefs], [...t.setUse]]);
}

/** Records a span on a table the transaction created. */
export class SpanRecorder {
  private readonly firstHandle: number;
  private readonly groups: [ChainGroup, number][] = [];
  private readonly filled = new Set<string>();
  /** False once a command of the span left the fast path. */
  ok = true;

  constructor(
    private readonly rs: NftRuleset,
    private readonly t: NftTable,
    private readonly before: string,
  ) {
    this.firstHandle = rs.peekHandle();
  }

  attached(g: ChainGroup, base: number): void {
    this.groups.push([g, base - this.firstHandle]);
  }

  element(set: string): void {
    this.filled.add(set);
  }

  /** The image, if every command took the fast path into sets empty before and stamped with no clock. */
  finish(): BatchImage | undefined {
    const sizes = new Map((JSON.parse(this.before)[1] as unknown[][]).map((s) => [s[0] as string, s[8] as number]));
    const elements: [string, [string, Element][]][] = [];
    for (const name of this.filled) {
      const s = this.t.sets.get(name);
      if (!s || sizes.get(name) !== 0 || s.timeout !== undefined) return undefined;
      // copies: the image outlives this table's changes to its own elements
      elements.push([name, [...s.elements].map(([k, e]) => [k, { ...e }])]);
    }
    if (!this.ok) return undefined;
    return { before: this.before, groups: this.groups, handles: this.rs.peekHandle() - this.firstHandle, elements, chainRefs: [...this.t.chainRefs], setUse: [...this.t.setUse] };
  }
}

/** Does the image's span again on a table the transaction created, in the state the image started from. */
export function replayImage(rs: NftRuleset, t: NftTable, image: BatchImage): void {
  const first = rs.reserve(image.handles);
  for (const [g, rel] of image.groups) t.attach(g, first + rel);
  for (const [name, list] of image.elements) {
    const m = new Map<string, Element>();
    // each node's elements its own objects (their parts are shared, as the batch shares them)
    for (const [k, e] of list) m.set(k, { ...e });
    t.sets.get(name)!.elements = m;
  }
  t.chainRefs.clear();
  for (const [c, n] of image.chainRefs) t.chainRefs.set(c, n);
  t.setUse.clear();
  for (const [s, n] of image.setUse) t.setUse.set(s, n);
}
