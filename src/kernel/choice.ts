// Every branch a packet's path can take is one general choice: a coin (iptables `statistic`), a
// pick among N (nft `numgen`, IPVS schedulers). A trace draws each choice; `--all-paths`
// enumerates every option with its probability. Where the kernel's own state decides (IPVS rr's
// position, lc's connection counts) the choice carries that pick: a drawn trace follows it, an
// enumeration still shows every option a new connection could get.

export interface ChoiceOption {
  /** What taking this option means, in the tool's words (`fires`, `falls through`, `10.244.1.3:80`). */
  label: string;
  /** Relative weight; probability = weight / sum of weights. */
  weight: number;
}

export interface Choice {
  /** Who chooses: `statistic --probability 0.333`, `numgen random mod 3`, `ipvs rr`. */
  what: string;
  options: ChoiceOption[];
  /** The option the kernel's state picks now, when the kernel is deterministic here. */
  kernelPick?: number;
}

/** Answers a choice with the index of the option taken. */
export type Chooser = (c: Choice) => number;

export function coin(what: string, probability: number): Choice {
  return { what, options: [{ label: 'fires', weight: probability }, { label: 'falls through', weight: 1 - probability }] };
}

export function probabilityOf(c: Choice, index: number): number {
  const total = c.options.reduce((s, o) => s + o.weight, 0);
  return total > 0 ? c.options[index]!.weight / total : 0;
}

/** Draws with `rng` (uniform in [0,1)), or follows the kernel's own pick. */
export function drawChooser(rng: () => number): Chooser {
  return (c) => {
    if (c.kernelPick !== undefined) return c.kernelPick;
    let r = rng();
    for (let i = 0; i < c.options.length; i++) {
      const p = probabilityOf(c, i);
      if (r < p) return i;
      r -= p;
    }
    return c.options.length - 1;
  };
}
