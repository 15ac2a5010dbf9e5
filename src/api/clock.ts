import { FIXED_CLOCK } from './store.js';

/** The emulation's clock: starts at the store's fixed creation time and moves only when told. */
export class SimClock {
  private t: number;

  constructor(start = Date.parse(FIXED_CLOCK)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
