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

export class Sysctls {
  private readonly values = new Map<string, string>(Object.entries(DEFAULTS));
  /** The conf.default.* keys as [family, name], in the map's order (a new device copies only these). */
  private readonly defaults = new Map<string, [string, string]>();

  constructor() {
    for (const k of this.values.keys()) this.noteDefault(k);
  }

  private noteDefault(key: string): void {
    const m = key.match(PER_DEVICE);
    if (m && !this.defaults.has(key)) this.defaults.set(key, [m[1]!, m[2]!]);
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
    for (const [k, [family, name]] of [...this.defaults]) {
      const v = this.values.get(k);
      if (v !== undefined) this.values.set(`net.${family}.conf.${dev}.${name}`, v);
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
