/** The facts of a run's environment and hardware that readers compare, as flat `key → text`. */
import type { PropertyValue } from '@mlmeta/core/read';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));

/** `node`, `platform`, `git.commit`, `git.dirty`, `git.untracked`, `packages.<name>`, `host`, ... */
export function environmentFacts(environment: PropertyValue | undefined): Record<string, string> {
  const env = obj(environment);
  if (!env) return {};
  const out: Record<string, string> = {};
  const set = (key: string, value: unknown) => {
    const text = str(value);
    if (text !== undefined && text !== '') out[key] = text;
  };
  set('node', env.node);
  set('platform', env.platform && env.arch ? `${env.platform}-${env.arch}` : env.platform);
  const git = obj(env.git);
  if (git) {
    set('git.commit', git.commit);
    set('git.branch', git.branch);
    set('git.remote', git.remote);
    // Records made before `untracked` existed counted untracked files as dirty; their diff is empty.
    const untrackedOnly = git.dirty === true && git.diffBytes === 0;
    set('git.dirty', untrackedOnly ? false : git.dirty);
    set('git.untracked', git.untracked ?? (untrackedOnly ? 'some' : undefined));
  }
  const entry = obj(env.entry);
  if (entry) {
    set('entry', entry.path);
    set('entry.digest', entry.digest);
  }
  const host = obj(env.host);
  if (host) {
    set('host', host.hostname);
    const os = obj(host.os);
    if (os) set('os', `${os.type} ${os.release}`);
  }
  const packages = obj(env.packages);
  if (packages) {
    for (const group of ['frameworks', 'dependencies']) {
      const versions = obj(packages[group]);
      if (versions) for (const [name, version] of Object.entries(versions)) set(`packages.${name}`, version);
    }
    set('lockfile', obj(packages.lockfile)?.digest ?? packages.lockfile);
  }
  return out;
}

export function hardwareFacts(hardware: PropertyValue | undefined): Record<string, string> {
  const hw = obj(hardware);
  if (!hw) return {};
  const out: Record<string, string> = {};
  const cpu = obj(hw.cpu);
  if (cpu) out.cpu = `${cpu.brand ?? '?'} (${cpu.cores ?? '?'} cores)`;
  if (typeof hw.memoryBytes === 'number') out.memory = `${(hw.memoryBytes / 2 ** 30).toFixed(1)} GiB`;
  const gpus = Array.isArray(hw.gpus) ? hw.gpus.map(obj).filter((g) => g !== undefined) : [];
  gpus.forEach((gpu, i) => {
    const memory = typeof gpu.memoryMiB === 'number' ? `, ${gpu.memoryMiB} MiB` : '';
    out[`gpu.${i}`] = `${gpu.name ?? '?'}${memory}${gpu.cuda ? `, CUDA ${gpu.cuda}` : ''}`;
  });
  return out;
}
