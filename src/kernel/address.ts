// Interface addresses (`ip addr`): what an address is and the address the kernel derives per link.
import type { Family } from '../net/ip.js';

export type AddressScope = 'global' | 'site' | 'link' | 'host';

export interface InterfaceAddress {
  family: Family;
  /** The link this address sits on (also its label). */
  dev: string;
  address: string;
  prefix: number;
  /** IPv4 broadcast, printed as `brd` when set. */
  broadcast?: string;
  scope: AddressScope;
  /** A second address in an already-covered subnet: no new prefix route, printed `secondary`. */
  secondary?: boolean;
}
