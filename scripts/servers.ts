/**
 * Real servers the scale-out tests start on this machine and stop when the
 * test file's process ends: a one-node Slurm cluster (Debian's slurmctld and
 * slurmd, authenticated by its own munged) and Redis (Debian's
 * redis-server). Ports are free ones; every file lives in a temp dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { hostname, tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Whether a process runs (a zombie has ended: its files are written). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Stopped when the process ends: the servers do not keep it running.
 * `pids`: daemons that detach themselves (munged), stopped by pid and waited
 * for (a second at most), since they write into `dir` as they stop.
 */
function killOnExit(children: ChildProcess[], dir: string, pids: number[] = []): void {
  for (const c of children) c.unref();
  process.on('exit', () => {
    for (const c of children) c.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    // (an exit handler cannot await: wait by blocking, 20 ms at a time)
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (const deadline = Date.now() + 1000; pids.some(running) && Date.now() < deadline; ) Atomics.wait(pause, 0, 0, 20);
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    } catch {
      // a temp dir left behind is no reason to fail the tests that ran
    }
  });
}

export interface Slurm {
  /** the environment Slurm's commands need (SLURM_CONF) */
  env: NodeJS.ProcessEnv;
  /** squeue's lines for this cluster, one per array task: "JOBID_TASK STATE NAME" */
  queue: () => string[];
}

/** One node (this machine, all its CPUs) in one partition; munge with its own key and socket. */
export async function startSlurm(): Promise<Slurm> {
  const dir = mkdtempSync(join(tmpdir(), 'antidote-slurm-'));
  chmodSync(dir, 0o700);
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const socket = join(dir, 'munge.sock');
  const munged = spawnSync('/usr/sbin/munged', ['--force', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munged.pid')}`, `--log-file=${join(dir, 'munged.log')}`, `--seed-file=${join(dir, 'munged.seed')}`], { encoding: 'utf8' });
  if (munged.status !== 0) throw new Error(`munged failed: ${munged.stderr}`);
  const [ctld, node] = [await freePort(), await freePort()];
  const host = hostname().split('.')[0]!;
  for (const d of ['state', 'spool']) mkdirSync(join(dir, d));
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, [
    'ClusterName=antidote-test', `SlurmctldHost=${host}(127.0.0.1)`, 'SlurmUser=root', 'SlurmdUser=root',
    'AuthType=auth/munge', 'CredType=cred/munge', `AuthInfo=socket=${socket}`,
    `StateSaveLocation=${join(dir, 'state')}`, `SlurmdSpoolDir=${join(dir, 'spool')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`, `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldPort=${ctld}`, `SlurmdPort=${node}`, `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`, `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core',
    'ReturnToService=2', 'MpiDefault=none', 'JobCompType=jobcomp/none', 'AccountingStorageType=accounting_storage/none', 'MaxArraySize=10001',
    `NodeName=antidote NodeHostname=${host} NodeAddr=127.0.0.1 CPUs=${availableParallelism()} RealMemory=2000 State=UNKNOWN`,
    'PartitionName=test Nodes=antidote Default=YES MaxTime=INFINITE State=UP', '',
  ].join('\n'));
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons = [spawn('slurmctld', ['-D', '-c', '-f', conf], { env, stdio: 'ignore' }), spawn('slurmd', ['-D', '-N', 'antidote', '-f', conf], { env, stdio: 'ignore' })];
  // (munged detaches itself; its pid is read now, since the directory holding its pid file is removed on exit)
  killOnExit(daemons, dir, [Number(readFileSync(join(dir, 'munged.pid'), 'utf8').trim())]);
  await until('the Slurm node to be idle', () => /idle/.test(spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8' }).stdout ?? ''));
  return { env, queue: () => (spawnSync('squeue', ['-h', '-r', '-o', '%i %T %j'], { env, encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean) };
}

export interface RedisServer {
  url: string;
  /** kill it (SIGKILL: whatever it held is gone) */
  kill: () => void;
  /** start it again on the same port */
  start: () => Promise<void>;
}

/** redis-server on a free port, without persistence: a restart loses every queued job. */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'antidote-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const children: ChildProcess[] = [];
  killOnExit(children, dir);
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    kill: () => child?.kill('SIGKILL'),
    start: async () => {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
      children.push(child);
      child.unref();
      let ready = false;
      child.stdout!.on('data', (d: Buffer) => {
        if (/Ready to accept connections/.test(d.toString())) ready = true;
      });
      await until('redis-server to accept connections', () => ready, 10_000);
      (child.stdout as Socket).unref();
    },
  };
  await server.start();
  return server;
}
