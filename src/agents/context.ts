// What every node agent is handed: the API store it watches and the topology's configuration.
import type { Store } from '../api/store.js';
import type { Topology } from '../topology/load.js';

export interface AgentContext {
  store: Store;
  topology: Topology;
  /** The emulation's clock (ms). */
  clock: { now(): number };
}
