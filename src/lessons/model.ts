// What a lesson file holds once read: texts in English and Chinese, the cluster it runs on, and
// tasks, each a question about something knet computes (a query plus what to read from it).
export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];

export type Text = Record<Lang, string>;

export type Level = 'beginner' | 'intermediate' | 'advanced';
export const LEVELS: readonly Level[] = ['beginner', 'intermediate', 'advanced'];

/** A topology: shipped ones by name (`kubeadm-3node`), others by path relative to the lesson file. */
export interface TopologyRef {
  /** Absolute paths handed to loadCluster, in order (later files add objects). */
  files: string[];
  /** As the lesson wrote it, for the `knet trace -f …` lines shown to students. */
  shown: string[];
  /** A steps file (changes, faults) run on the loaded cluster: `--steps` on the commands shown. */
  steps?: { file: string; shown: string };
}

export type Query =
  /** `path`: of every path, the one to this receiver (asks read it as the first path). */
  | { kind: 'trace'; from: string; to: string; namespace?: string; allPaths?: boolean; path?: string; seed?: number; proto?: 'tcp' | 'udp' | 'sctp' }
  | { kind: 'connections'; from: string; to: string; namespace?: string; count: number; intervalMs: number; seed?: number }
  | { kind: 'resolve'; from: string; name: string; type: string }
  | { kind: 'resolvConf'; pod: string }
  | { kind: 'rules'; node: string }
  /** A node's IPVS virtual servers (kube-proxy in IPVS mode). */
  | { kind: 'ipvs'; node: string }
  /** A node's nftables state (kube-proxy in nftables mode). */
  | { kind: 'nftables'; node: string }
  | { kind: 'object'; kind_: string; namespace?: string; name: string }
  | { kind: 'addresses'; ip: string };

/** What to read from the query's result: a name (`verdict`) or a name with parameters. */
export interface Ask {
  name: string;
  params: Record<string, unknown>;
}

export type Answer = string | number | boolean | string[];

export interface Choice {
  value: Answer;
  label?: Text;
}

export interface Task {
  id: string;
  question: Text;
  query: Query;
  ask: Ask;
  /** The author's expected answer; a test holds it equal to what knet computes. */
  answer: Answer;
  choices?: Choice[];
  /** Shown after the answer: why it is so. */
  explain: Text;
  /** Set when the task names its own topology or a steps file (the lesson's topology plus the steps). */
  topology?: TopologyRef;
  /** Where in the lesson file the task sits (for errors about it). */
  where: string;
}

export interface LabCommand {
  run: string;
  look: Text;
}

export interface Lesson {
  id: string;
  file: string;
  title: Text;
  text: Text;
  topics: string[];
  level: Level;
  minutes: number;
  topology: TopologyRef;
  tasks: Task[];
  lab?: { text: Text; commands: LabCommand[] };
}
