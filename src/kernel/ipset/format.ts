// `ipset save` and `ipset list` as ipset 7.x prints them, and `ipset restore`'s input (the save
// format: create/add/del/flush/destroy lines) read into a table.
import { InputError } from '../../api/errors.js';
import { IpsetError, IpsetTable, type IpSet, type SetOptions } from './table.js';
import { REVISION, isSetType, memorySize } from './types.js';

function header(s: IpSet): string {
  if (s.type === 'bitmap:port') return `range ${s.options.range?.from ?? 0}-${s.options.range?.to ?? 65535}`;
  const o = s.options;
  return `family ${o.family === 4 ? 'inet' : 'inet6'} hashsize ${o.hashsize} maxelem ${o.maxelem} bucketsize 12 initval 0x${s.initval.toString(16).padStart(8, '0')}`;
}

/** Members in the order the kernel dumps them: a bitmap by port, a hash in knet's insertion order. */
function members(s: IpSet): string[] {
  const list = [...s.texts()];
  return s.type === 'bitmap:port' ? list.sort((a, b) => Number(a) - Number(b)) : list;
}

export function formatSave(t: IpsetTable, names?: string[]): string {
  let out = '';
  for (const s of t.list()) {
    if (names && !names.includes(s.name)) continue;
    out += `create ${s.name} ${s.type} ${header(s)}\n`;
    for (const m of members(s)) out += `add ${s.name} ${m}\n`;
  }
  return out;
}

/** `ipset list`; `references` counts the iptables rules that use a set (the kernel's refcount). */
export function formatList(t: IpsetTable, references: (name: string) => number, names?: string[]): string {
  const blocks: string[] = [];
  for (const s of t.list()) {
    if (names && !names.includes(s.name)) continue;
    const m = members(s);
    blocks.push(
      `Name: ${s.name}\nType: ${s.type}\nRevision: ${REVISION[s.type]}\nHeader: ${header(s)}\n` +
        `Size in memory: ${memorySize(s.type, s.options.family, m.length)}\nReferences: ${references(s.name)}\n` +
        `Number of entries: ${m.length}\nMembers:\n${m.map((x) => x + '\n').join('')}`,
    );
  }
  return blocks.join('\n');
}

function createOptions(type: string, words: string[], where: () => string): SetOptions {
  const o: SetOptions = { family: 4, hashsize: 1024, maxelem: 65536 };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const v = words[i + 1];
    const num = (): number => {
      if (v === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(v)) throw new InputError(`${where()}: ${w} needs a number`);
      i++;
      return Number(v);
    };
    if (w === 'family') {
      if (v !== 'inet' && v !== 'inet6') throw new InputError(`${where()}: family "${v ?? ''}" is not inet or inet6`);
      o.family = v === 'inet' ? 4 : 6;
      i++;
    } else if (w === 'hashsize') o.hashsize = num();
    else if (w === 'maxelem') o.maxelem = num();
    else if (w === 'bucketsize' || w === 'initval') num(); // the kernel's own choices, recreated on load
    // Per-entry extensions a real `ipset save` shows; they change no membership test.
    else if (w === 'comment' || w === 'counters' || w === 'skbinfo' || w === 'forceadd') continue;
    else if (w === 'range' && type === 'bitmap:port') {
      const m = v?.match(/^(\d+)-(\d+)$/);
      if (!m) throw new InputError(`${where()}: range "${v ?? ''}" is not FROM-TO`);
      o.range = { from: Math.min(Number(m[1]), Number(m[2])), to: Math.max(Number(m[1]), Number(m[2])) };
      i++;
    } else throw new InputError(`${where()}: create option "${w}" is not one knet models for ${type}`);
  }
  if (type === 'bitmap:port' && !o.range) throw new InputError(`${where()}: bitmap:port needs "range FROM-TO"`);
  return o;
}

/**
 * Feeds `ipset restore` input to the table; `-exist` (on the command or a line) ignores what
 * already exists. Errors name the file and line, as ipset's own do.
 */
export function applyRestore(t: IpsetTable, text: string, file = '<stdin>', exist = false): void {
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const where = (): string => `${file}:${idx + 1}`;
    let words = line.split(/\s+/);
    let ex = exist;
    if (words.includes('-exist') || words.includes('-!')) {
      ex = true;
      words = words.filter((w) => w !== '-exist' && w !== '-!');
    }
    const [cmd, name, ...rest] = words;
    try {
      switch (cmd) {
        case 'create':
        case '-N': {
          const type = rest[0] ?? '';
          if (!name || !isSetType(type)) throw new InputError(`${where()}: set type "${type}" is not one knet models (hash:ip, hash:ip,port, hash:ip,port,ip, hash:ip,port,net, hash:net, bitmap:port)`);
          t.create(name, type, createOptions(type, rest.slice(1), where), ex);
          break;
        }
        case 'add':
        case '-A':
          if (!name || rest.length < 1) throw new InputError(`${where()}: add needs SETNAME ENTRY`);
          // A real dump's per-entry extensions (comment, counters, skbinfo) change no membership test.
          if (!/^(\s*(comment "[^"]*"|packets \d+|bytes \d+|skbmark \S+|skbprio \S+|skbqueue \d+))*\s*$/.test(rest.slice(1).join(' '))) {
            throw new InputError(`${where()}: add ${name} ${rest[0]}: "${rest.slice(1).join(' ')}" is not an entry option knet reads (comment, packets, bytes, skbmark, skbprio, skbqueue)`);
          }
          t.add(name, rest[0]!, ex);
          break;
        case 'del':
        case '-D':
          if (!name || rest.length !== 1) throw new InputError(`${where()}: del needs SETNAME ENTRY`);
          t.del(name, rest[0]!, ex);
          break;
        case 'flush':
        case '-F':
          t.flush(name);
          break;
        case 'destroy':
        case 'x':
        case '-X':
          t.destroy(name);
          break;
        default:
          throw new InputError(`${where()}: ipset restore: unknown command "${cmd}"`);
      }
    } catch (e) {
      if (e instanceof IpsetError) throw new InputError(`${where()}: ${e.message}`);
      throw e;
    }
  });
}
