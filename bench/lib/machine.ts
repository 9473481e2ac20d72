import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

/** The machine a run measured: every results file carries it. */
export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly totalMemoryGb: number;
  /** 1, 5 and 15 minute load averages when the run started: above the core count, other work shared the machine. */
  readonly loadAverageAtStart: readonly number[];
}

export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    totalMemoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
