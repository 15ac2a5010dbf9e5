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

/** conf.default.* as a device copies it: `before + after` → the two halves and the value. */
type DeviceDefaults = ReadonlyMap<string, readonly [before: string, after: string, value: string]>;

/** `net.ipv4.conf.` and `net.ipv6.conf.` are this long. */
const CONF_PREFIX_LENGTH = 14;
const isConfKey = (key: string): boolean => key.startsWith('net.ipv4.conf.') || key.startsWith('net.ipv6.conf.');

export class Sysctls {
  /** Keys by name; a device's copy of the defaults stays in `devices` (shared) until a key of it is set. */
  private readonly values = new Map<string, string>(DEFAULT_VALUES);
  /** The conf.default.* keys, in the map's order (a new device copies only these). */
  private readonly defaults = new Map<string, DeviceKey>(DEFAULT_DEVICE_KEYS);
  /** Each device's copy of conf.default.* as it was when the device appeared. */
  private readonly devices = new Map<string, DeviceDefaults>();
  /** The copy a device appearing now gets (made again after a conf.default.* key changes). */
  private copy?: DeviceDefaults;
  /** Every name a per-device key set so far could be of (a device appearing by one of them overwrites its keys). */
  private readonly named = new Set<string>();

  private noteDefault(key: string): void {
    const d = deviceKeyOf(key);
    if (d && !this.defaults.has(key)) this.defaults.set(key, d);
  }

  get(key: string): string | undefined {
    return this.values.get(key) ?? this.copied(key);
  }

  /** A device's copied default for a per-device key (device names and key names may both hold dots). */
  private copied(key: string): string | undefined {
    if (this.devices.size === 0 || !isConfKey(key)) return undefined;
    const before = key.slice(0, CONF_PREFIX_LENGTH);
    for (let i = key.indexOf('.', CONF_PREFIX_LENGTH); i > 0; i = key.indexOf('.', i + 1)) {
      const v = this.devices.get(key.slice(CONF_PREFIX_LENGTH, i))?.get(before + key.slice(i));
      if (v) return v[2];
    }
    return undefined;
  }

  /** A numeric sysctl (most of them are). */
  num(key: string): number {
    return Number(this.get(key) ?? NaN);
  }

  set(key: string, value: string | number): void {
    if (!this.values.has(key)) this.noteDefault(key);
    if (this.defaults.has(key)) this.copy = undefined;
    else if (isConfKey(key)) for (let i = key.indexOf('.', CONF_PREFIX_LENGTH); i > 0; i = key.indexOf('.', i + 1)) this.named.add(key.slice(CONF_PREFIX_LENGTH, i));
    this.values.set(key, String(value));
    // ip_forward is the same switch as conf.all.forwarding.
    if (key === 'net.ipv4.ip_forward') this.values.set('net.ipv4.conf.all.forwarding', String(value));
  }

  /** A new device gets its own conf.<dev>.* keys from conf.default.* (copies of their values now). */
  addDevice(dev: string): void {
    if (!this.copy) {
      const copy = new Map<string, readonly [string, string, string]>();
      for (const [k, [before, after]] of this.defaults) {
        const v = this.values.get(k);
        if (v !== undefined) copy.set(before + after, [before, after, v]);
      }
      this.copy = copy;
    }
    // the device's keys set before it appeared are overwritten by the copy
    if (this.named.has(dev)) for (const [before, after] of this.copy.values()) this.values.delete(before + dev + after);
    this.devices.set(dev, this.copy);
  }

  removeDevice(dev: string): void {
    this.devices.delete(dev);
    for (const k of [...this.values.keys()]) if (k.includes(`.conf.${dev}.`)) this.values.delete(k);
  }

  /** `sysctl -a` order: sorted by key. */
  entries(): [string, string][] {
    const all = new Map(this.values);
    for (const [dev, copy] of this.devices) {
      for (const [before, after, v] of copy.values()) {
        const k = before + dev + after;
        if (!all.has(k)) all.set(k, v);
      }
    }
    return [...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
