import fs from 'node:fs';
import path from 'node:path';
import { LANES } from '../../contract/index.js';
import { CLI_ENTRY as CLI } from '../../core/detached.js';
import { freePort } from '../run.js';
import { ms, run, waitDone, type PerfSetup } from './kit.js';

/** The lanes side by side: 12 jobs at parallel 6 through each, and what the shared server costs to start. */

/** CPU seconds the whole machine has spent so far (all processes: agents, servers, supervisors). */
function machineCpuSeconds(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6]) / 100; // user nice system irq softirq, in USER_HZ
}

/**
 * Resident memory (MiB) of every process of the lane: agents, the shared server and its keeper, supervisors,
 * drivers.
 */
function laneMemoryMb(): number {
  let kb = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/opencode|dist\/cli\/index\.js/.test(cmd)) continue;
      const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += rss ? Number(rss[1]) : 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return kb / 1024;
}

/** 12 jobs at parallel 6 through one lane: wall time, machine CPU seconds, peak memory of the lane's processes. */
async function laneWave(lane: string, env: NodeJS.ProcessEnv, prompt: string, wts: string[], tag: string) {
  const beads = Array.from({ length: 12 }, (_, i) => `bd-lane-${tag}.${i}`);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, laneMemoryMb())), 250);
  const cpu0 = machineCpuSeconds();
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < beads.length) {
      const i = next++;
      fs.rmSync(path.join(wts[i % wts.length], 'out.txt'), { force: true });
      await run(
        process.execPath,
        [CLI, 'start', '--lane', lane, '--beads', beads[i], '--prompt-file', prompt, '--worktree', wts[i % wts.length]],
        { env },
      );
      await waitDone(env.DX_RUNNER_HOME as string, [beads[i]]);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  clearInterval(sampler);
  return { wallMs: ms(t0), cpuSec: machineCpuSeconds() - cpu0, peakMb: peak };
}

/** `serve start` wall time, then each lane's wall, CPU and peak memory, and the server lanes against headless. */
export async function laneCosts(p: PerfSetup): Promise<void> {
  const laneEnv = { ...p.env, DX_RUNNER_HOME: path.join(p.base, 'home-lanes') };
  const port = String(await freePort());
  const serveT0 = process.hrtime.bigint();
  await run(process.execPath, [CLI, 'serve', 'start', '--port', port], { env: laneEnv });
  p.emit('serve_start_ms', ms(serveT0));
  try {
    const lanes: Record<string, Awaited<ReturnType<typeof laneWave>>> = {};
    for (const lane of LANES) {
      const r = (lanes[lane] = await laneWave(lane, laneEnv, p.prompt, p.wts, lane));
      p.emit(`lane_${lane}_wall_ms`, r.wallMs);
      p.emit(`lane_${lane}_cpu_s`, r.cpuSec);
      p.emit(`lane_${lane}_peak_mb`, r.peakMb);
    }
    p.emit('server_speedup_vs_headless', Number((lanes.headless.wallMs / lanes.server.wallMs).toFixed(2)));
    p.emit('attach_speedup_vs_headless', Number((lanes.headless.wallMs / lanes.attach.wallMs).toFixed(2)));
    p.emit('server_cpu_ratio', Number((lanes.server.cpuSec / lanes.headless.cpuSec).toFixed(3)));
    p.emit('attach_cpu_ratio', Number((lanes.attach.cpuSec / lanes.headless.cpuSec).toFixed(3)));
    p.emit('server_memory_ratio', Number((lanes.server.peakMb / lanes.headless.peakMb).toFixed(3)));
    p.emit('attach_memory_ratio', Number((lanes.attach.peakMb / lanes.headless.peakMb).toFixed(3)));
  } finally {
    await run(process.execPath, [CLI, 'serve', 'stop'], { env: laneEnv });
  }
}
