// The sysctls that change how packets move, with the kernel's defaults. Per-device keys
// (net.ipv4.conf.<dev>.*) start as copies of net.ipv4.conf.default.* when the device appears.

const DEFAULTS: Record<string, string> = {
  'net.ipv4.ip_forward': '0',
  'net.ipv4.ip_default_ttl': '64',
  'net.ipv4.ip_local_port_range': '32768\t60999',
  'net.ipv4.conf.all.rp_filter': '0',
  'net.ipv4.conf.all.route_localnet': '0',
  'net.ipv4.conf.default.rp_filter': '0',
  'net.ipv4.conf.default.route_localnet': '0',
  'net.ipv4.conf.default.arp_notify': '0',
  'net.ipv4.conf.default.forwarding': '0',
  'net.ipv6.conf.default.accept_ra': '1',
  'net.ipv6.conf.default.accept_dad': '1',
  'net.bridge.bridge-nf-call-iptables': '0',
  'net.bridge.bridge-nf-call-ip6tables': '0',
};

const PER_DEVICE = /^net\.(ipv4|ipv6)\.conf\.default\.(.+)$/;

/** A conf.default.* key as the two halves of its per-device keys (`net.ipv4.conf.` + dev + `.rp_filter`). */
type DeviceKey = [before: string, after: string];

function deviceKeyOf(key: string): DeviceKey | undefined {
  const m = key.match(PER_DEVICE);
  return m ? [`net.${m[1]!}.conf.`, `.${m[2]!}`] : undefined;
}

// Every namespace starts from the same defaults: their map and per-device keys are made once and copied.
const DEFAULT_VALUES = new Map<string, string>(Object.entries(DEFAULTS));
const DEFAULT_DEVICE_KEYS = new Map<string, DeviceKey>();
for (const k of DEFAULT_VALUES.keys()) {
  const d = deviceKeyOf(k);
  if (d) DEFAULT_DEVICE_KEYS.set(k, d);
}

export class Sysctls {
  private readonly values = new Map<string, string>(DEFAULT_VALUES);
  /** The conf.default.* keys, in the map's order (a new device copies only these). */
  private readonly defaults = new Map<string, DeviceKey>(DEFAULT_DEVICE_KEYS);

  private noteDefault(key: string): void {
    const d = deviceKeyOf(key);
    if (d && !this.defaults.has(key)) this.defaults.set(key, d);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** A numeric sysctl (most of them are). */
  num(key: string): number {
    return Number(this.values.get(key) ?? NaN);
  }

  set(key: string, value: string | number): void {
    if (!this.values.has(key)) this.noteDefault(key);
    this.values.set(key, String(value));
    // ip_forward is the same switch as conf.all.forwarding.
    if (key === 'net.ipv4.ip_forward') this.values.set('net.ipv4.conf.all.forwarding', String(value));
  }

  /** A new device gets its own conf.<dev>.* keys from conf.default.*. */
  addDevice(dev: string): void {
    for (const [k, [before, after]] of this.defaults) {
      const v = this.values.get(k);
      if (v !== undefined) this.values.set(before + dev + after, v);
    }
  }

  removeDevice(dev: string): void {
    for (const k of [...this.values.keys()]) if (k.includes(`.conf.${dev}.`)) this.values.delete(k);
  }

  /** `sysctl -a` order: sorted by key. */
  entries(): [string, string][] {
    return [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
