// A full sync's Service part as one node's kube-proxy wrote it, for the next node whose
// Services' rules are the same objects (rulesContext): what it puts in the transaction (the
// batch's commands, appended as they are), what it remembers (elements per container, their
// owners, each Service's rules) and, when the node's table started alike, what the commands did
// to it (batch-image.ts). A full sync that writes the same Services in the same order writes
// and remembers exactly this: the copy is what writing them again would make.
import type { BatchImage } from '../../../kernel/nftables/batch-image.js';
import type { BatchSegment } from '../../../kernel/nftables/batch.js';
import type { NftServiceRules } from './proxier.js';

export interface FullImage {
  readonly keys: readonly string[];
  readonly rules: readonly NftServiceRules[];
  readonly segment: BatchSegment;
  readonly kernel?: BatchImage;
  readonly stored: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly owners: ReadonlyMap<string, number>;
}

/** The last full sync's image per rules context. */
const images = new WeakMap<object, FullImage>();

/** The image of a full sync writing these Services' rules, if one was kept. */
export function imageFor(context: object, listed: readonly { key: string; rules: NftServiceRules }[]): FullImage | undefined {
  const im = images.get(context);
  if (!im || im.keys.length !== listed.length) return undefined;
  for (let i = 0; i < listed.length; i++) if (listed[i]!.rules !== im.rules[i] || listed[i]!.key !== im.keys[i]) return undefined;
  return im;
}

export function keepImage(context: object, im: FullImage): void {
  images.set(context, im);
}
