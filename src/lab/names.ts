// What a lab calls the things it creates. Every name starts with the lab's prefix, so several labs
// can live on one machine and `down` can tell its own namespaces from anyone else's.
import { InputError } from '../api/errors.js';

export const DEFAULT_PREFIX = 'knet';

/** Short enough that `<prefix>-…` names stay readable; letters, digits and dashes only. */
export function checkPrefix(prefix: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,11}$/.test(prefix)) {
    throw new InputError(`error: --prefix "${prefix}": use 1-12 lowercase letters, digits or dashes, starting with a letter or digit`, 2);
  }
  return prefix;
}

export class LabNames {
  constructor(readonly prefix: string) {}

  /** The namespace holding the underlay switch every node's and client's eth0 is plugged into. */
  get underlay(): string {
    return `${this.prefix}-underlay`;
  }

  node(name: string): string {
    return `${this.prefix}-node-${name}`;
  }

  pod(namespace: string, name: string): string {
    return `${this.prefix}-pod-${namespace}-${name}`;
  }

  external(name: string): string {
    return `${this.prefix}-ext-${name}`;
  }

  /** Whether a namespace name is one this prefix would create. */
  owns(netns: string): boolean {
    return netns.startsWith(`${this.prefix}-`);
  }
}

/** The underlay switch, inside the underlay namespace. */
export const UNDERLAY_BRIDGE = 'br0';

/**
 * The switch port of a machine's interface: `<machine letter><index>-<dev>` (n0-eth0, x0-eth0),
 * within the kernel's 15-character device names.
 */
export function underlayPort(kind: 'n' | 'x', index: number, dev: string): string {
  return `${kind}${index}-${dev}`.slice(0, 15);
}
