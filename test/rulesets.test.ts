// rulesets/ holds the golden iptables rules of every shipped topology and node; regenerating
// them must change nothing (run `npm run rulesets` after an intended change and review the diff).
import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RULESETS_DIR, iptablesRulesets, ipvsRulesets, nftablesRulesets } from '../scripts/rulesets.js';

const sets = new Map([...iptablesRulesets(), ...nftablesRulesets(), ...ipvsRulesets()]);

for (const [rel, text] of sets) {
  test(`rulesets/${rel} is current`, (t) => {
    const f = join(RULESETS_DIR, rel);
    t.true(existsSync(f), `missing: run npm run rulesets`);
    t.is(readFileSync(f, 'utf8'), text, 'drift: run npm run rulesets and review the diff');
  });
}

test('rulesets/ holds no iptables or nft file that no topology produces', (t) => {
  const stale = readdirSync(RULESETS_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(iptables-(save|restore)|nft|nft-dump|ipvsadm|ipvsadm-save|ipset-save)$/.test(f))
    .filter((f) => !sets.has(f.split('\\').join('/')));
  t.deepEqual(stale, []);
});
