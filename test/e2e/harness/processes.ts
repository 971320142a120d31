// Ending a run's processes: signals to code-server's process group, and a sweep of /proc for anything still
// carrying the run's marker in its environment or the run's folder on its command line.
import { readFileSync, readdirSync } from 'node:fs';
import { RUN_MARKER } from './isolation';
import { sleep } from './sleep';

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  signal(-pgid, sig);
}

interface ProcInfo {
  pid: number;
  state: string;
  pgid: number;
}

function procStat(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0]!, pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Live (not zombie) processes in a process group. */
export function groupMembers(pgid: number): number[] {
  return allPids().filter((pid) => {
    const info = procStat(pid);
    return info !== undefined && info.pgid === pgid && info.state !== 'Z';
  });
}

/** Live processes whose environment carries this run's marker or whose command line names its folder. */
export function markedProcesses(runId: string, runDir?: string): number[] {
  const needle = `${RUN_MARKER}=${runId}`;
  return allPids().filter((pid) => {
    if (pid === process.pid) return false;
    const info = procStat(pid);
    if (!info || info.state === 'Z') return false;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle)) return true;
      return runDir !== undefined && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(runDir);
    } catch {
      return false;
    }
  });
}

/** Kills what is left of a run; returns a description of each process it found. */
export async function sweep(runId: string, runDir?: string): Promise<string[]> {
  const left = markedProcesses(runId, runDir);
  const described = left.map((pid) => {
    let cmd = '?';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim().slice(0, 160);
    } catch {
      // gone meanwhile
    }
    return `${pid} ${cmd}`;
  });
  for (const pid of left) signal(pid, 'SIGKILL');
  if (left.length) await sleep(200);
  return described;
}
