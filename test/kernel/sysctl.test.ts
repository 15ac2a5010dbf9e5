// Per-device sysctls: a device's conf.<dev>.* keys are copies of conf.default.* as it was when the device appeared.
import test from 'ava';
import { Sysctls } from '../../src/kernel/sysctl.js';

test('a device copies conf.default.* when it appears; later default changes reach only later devices', (t) => {
  const s = new Sysctls();
  s.addDevice('eth0');
  s.set('net.ipv4.conf.default.rp_filter', 2);
  s.addDevice('flannel.1');
  t.is(s.get('net.ipv4.conf.eth0.rp_filter'), '0');
  t.is(s.get('net.ipv4.conf.flannel.1.rp_filter'), '2');
  t.is(s.get('net.ipv6.conf.flannel.1.accept_ra'), '1');
  s.set('net.ipv6.conf.flannel.1.accept_ra', 0);
  t.is(s.get('net.ipv6.conf.flannel.1.accept_ra'), '0');
  t.is(s.get('net.ipv6.conf.eth0.accept_ra'), '1');
  t.is(s.get('net.ipv4.conf.cni0.rp_filter'), undefined);
});

test('a key set before its device appears is overwritten by the copy; a removed device takes its keys along', (t) => {
  const s = new Sysctls();
  s.set('net.ipv4.conf.cni0.route_localnet', 1);
  s.set('net.ipv4.conf.cni0.proxy_arp', 1);
  s.addDevice('cni0');
  t.is(s.get('net.ipv4.conf.cni0.route_localnet'), '0');
  t.is(s.get('net.ipv4.conf.cni0.proxy_arp'), '1');
  s.removeDevice('cni0');
  t.is(s.get('net.ipv4.conf.cni0.route_localnet'), undefined);
  t.is(s.get('net.ipv4.conf.cni0.proxy_arp'), undefined);
});

test('sysctl -a order: every key, the devices\' copies among them, sorted', (t) => {
  const s = new Sysctls();
  s.addDevice('lo');
  s.set('net.ipv4.conf.lo.arp_notify', 1);
  const keys = s.entries().map(([k, v]) => `${k}=${v}`);
  t.deepEqual(
    keys.filter((k) => k.includes('.lo.')),
    [
      'net.ipv4.conf.lo.arp_notify=1',
      'net.ipv4.conf.lo.forwarding=0',
      'net.ipv4.conf.lo.route_localnet=0',
      'net.ipv4.conf.lo.rp_filter=0',
      'net.ipv6.conf.lo.accept_dad=1',
      'net.ipv6.conf.lo.accept_ra=1',
    ],
  );
  t.deepEqual(keys, [...keys].sort());
  t.is(keys.length, 13 + 6);
});
