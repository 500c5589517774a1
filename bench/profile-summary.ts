/**
 * Summarise V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per thread): self time by area
 * (a package under node_modules, a product source file, GC, idle) and by function.
 *   npx tsx bench/profile-summary.ts DIR [top]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  share: number;
}
export interface ProfileSummary {
  files: number;
  /** Sampled time, all threads, idle excluded. */
  busyMs: number;
  idleMs: number;
  byArea: ProfileEntry[];
  byFunction: ProfileEntry[];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native / V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0 && !url.startsWith('node:')) return url.slice(src + 1);
  const bench = url.indexOf('/bench/');
  if (bench >= 0) return url.slice(bench + 1);
  if (url.startsWith('node:')) return 'node: (built-ins)';
  return url;
}

function short(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url;
}

export function summariseProfiles(dir: string, top = 12): ProfileSummary {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const f of files) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<number, number>();
    if (p.samples && p.timeDeltas) p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas![i] ?? 0) / 1000));
    for (const [id, ms] of self) {
      const n = byId.get(id)!;
      const { functionName, url, lineNumber } = n.callFrame;
      if (functionName === '(idle)') {
        idle += ms;
        continue;
      }
      busy += ms;
      const a = area(url, functionName);
      areas.set(a, (areas.get(a) ?? 0) + ms);
      const key = `${functionName || '(anonymous)'} ${url ? `${short(url)}:${lineNumber + 1}` : ''}`.trim();
      fns.set(key, (fns.get(key) ?? 0) + ms);
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busy ? ms / busy : 0 }));
  return { files: files.length, busyMs: busy, idleMs: idle, byArea: rank(areas), byFunction: rank(fns) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: tsx bench/profile-summary.ts DIR [top]');
  const s = summariseProfiles(dir, Number(process.argv[3] ?? 15));
  process.stdout.write(`${s.files} profile(s), ${(s.busyMs / 1000).toFixed(1)} s busy, ${(s.idleMs / 1000).toFixed(1)} s idle\n\nby area:\n`);
  for (const e of s.byArea) process.stdout.write(`  ${(e.share * 100).toFixed(1).padStart(5)} %  ${(e.ms / 1000).toFixed(2).padStart(7)} s  ${e.name}\n`);
  process.stdout.write('\nby function (self time):\n');
  for (const e of s.byFunction) process.stdout.write(`  ${(e.share * 100).toFixed(1).padStart(5)} %  ${(e.ms / 1000).toFixed(2).padStart(7)} s  ${e.name}\n`);
}
