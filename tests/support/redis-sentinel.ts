/**
 * A real Sentinel setup for tests: one master, one replica and three `redis-sentinel` processes
 * (quorum 2, `down-after-milliseconds` 1000) on free loopback ports, started from Debian's
 * `redis-server` / `redis-sentinel`. `failover()` kills the current master by PID (SIGKILL) and waits
 * until every sentinel names the replica as the new master and the replica says `role:master`.
 * Every process is a tracked child of the test process, stopped by PID.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { track, type TrackedProcess } from './app-process';
import { freePort } from './ports';
import { infoFields, pollUntil, redisCli } from './redis-cli';

const READY_TIMEOUT_MS = 30_000;
const FAILOVER_TIMEOUT_MS = 30_000;

/** A data node (master or replica; roles swap on failover). */
export interface SentinelDataNode {
  port: number;
  pid(): number;
  /** True once the process has exited (killed by `failover()`). */
  exited(): boolean;
  output(): string;
}

/** What `failover()` did. */
export interface FailoverResult {
  /** Port of the master that was killed. */
  killed: number;
  /** Port of the replica the sentinels promoted. */
  promoted: number;
  /** Milliseconds from the SIGKILL until every sentinel named the new master and it said role:master. */
  ms: number;
}

/** A running master + replica + sentinels. */
export interface RedisSentinelProcess {
  /** The monitored master's name (`sentinel monitor <name> …`). */
  name: string;
  /** `{ host, port }` of every sentinel, for ioredis `sentinels`. */
  sentinels: { host: string; port: number }[];
  /** The data nodes, the first one the initial master. */
  nodes: readonly SentinelDataNode[];
  /** The port the sentinels currently name as master (asks the first live sentinel). */
  masterPort(): Promise<number>;
  /**
   * A new Sentinel-configured ioredis client, closed by `stop()`. Defaults fail fast (no offline
   * queue, one retry per request) and retry the sentinels and the connection every 100 ms.
   */
  client(options?: RedisOptions): Redis;
  /** Kills the current master (SIGKILL by PID) and waits for the sentinels to promote the replica. */
  failover(): Promise<FailoverResult>;
  /**
   * Starts a killed data node again on its port (empty) and waits until the sentinels have turned it
   * into a replica of the current master with its initial sync done, so the next failover can promote it.
   */
  restartNode(port: number): Promise<void>;
  /** Restarts every killed data node (see `restartNode`). */
  restartKilled(): Promise<void>;
  /** Disconnects the clients and stops every process; removes the temporary directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisSentinel}. */
export interface StartRedisSentinelOptions {
  /** @default 'bffkit-master' */
  name?: string;
  /** @default 3 */
  sentinels?: number;
  /** @default 1000 */
  downAfterMs?: number;
}

/**
 * Starts master, replica (initial sync done) and sentinels (each sees the replica and the other
 * sentinels, `SENTINEL CKQUORUM` OK).
 *
 * @example
 * const setup = await startRedisSentinel();
 * const redis = setup.client();
 * await setup.failover();
 */
export async function startRedisSentinel(options: StartRedisSentinelOptions = {}): Promise<RedisSentinelProcess> {
  const name = options.name ?? 'bffkit-master';
  const sentinelCount = options.sentinels ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'bffkit-redis-sentinel-'));
  const data = new Map<number, { proc: TrackedProcess; args: string[] }>();
  const sentinelProcs: TrackedProcess[] = [];
  const sentinelPorts: number[] = [];
  const clients: Redis[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await Promise.all([...sentinelProcs, ...[...data.values()].map((d) => d.proc)].map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  };

  const startData = async (port: number, args: string[]) => {
    const proc = track(spawn(process.env.REDIS_SERVER ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }), `redis:${port}`);
    data.set(port, { proc, args });
    await pollUntil(async () => {
      if (proc.exited()) throw new Error(`redis-server ${port} exited:\n${proc.output()}`);
      return (await redisCli(port, ['PING'])).includes('PONG');
    }, READY_TIMEOUT_MS, `redis-server ${port} did not answer PING`);
  };

  try {
    const [masterPort, replicaPort] = [await freePort(), await freePort()];
    const dataArgs = (port: number) => [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
      '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
    ];
    await startData(masterPort, dataArgs(masterPort));
    await startData(replicaPort, [...dataArgs(replicaPort), '--replicaof', '127.0.0.1', String(masterPort)]);
    await pollUntil(async () => {
      const info = infoFields(await redisCli(masterPort, ['INFO', 'replication']));
      return info.get('connected_slaves') === '1' && /state=online/.test(info.get('slave0') ?? '');
    }, READY_TIMEOUT_MS, 'the replica did not finish its initial sync');

    for (let i = 0; i < sentinelCount; i++) {
      const port = await freePort();
      sentinelPorts.push(port);
      const file = join(dir, `sentinel-${port}.conf`);
      writeFileSync(file, [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'));
      sentinelProcs.push(track(spawn(process.env.REDIS_SENTINEL ?? 'redis-sentinel', [file], { stdio: ['ignore', 'pipe', 'pipe'] }), `sentinel:${port}`));
    }
    for (const [i, port] of sentinelPorts.entries()) {
      await pollUntil(async () => {
        if (sentinelProcs[i]!.exited()) throw new Error(`redis-sentinel ${port} exited:\n${sentinelProcs[i]!.output()}`);
        const replicas = await redisCli(port, ['SENTINEL', 'REPLICAS', name]);
        const sentinels = await redisCli(port, ['SENTINEL', 'SENTINELS', name]);
        const quorum = await redisCli(port, ['SENTINEL', 'CKQUORUM', name]);
        return replicas.includes(String(replicaPort)) && count(sentinels, /^name$/m) === sentinelCount - 1 && quorum.startsWith('OK');
      }, READY_TIMEOUT_MS, `sentinel ${port} did not see the replica and the other sentinels`, 200);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const sentinels = sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  const nodes: SentinelDataNode[] = [...data.keys()].map((port) => ({
    port,
    pid: () => data.get(port)!.proc.child.pid!,
    exited: () => data.get(port)!.proc.exited(),
    output: () => data.get(port)!.proc.output(),
  }));

  /** What each live sentinel names as master. */
  const namedMasters = async (): Promise<number[]> => {
    const answers: number[] = [];
    for (const [i, s] of sentinels.entries()) {
      if (sentinelProcs[i]!.exited()) continue;
      const out = await redisCli(s.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name]).catch(() => '');
      const port = Number(out.trim().split('\n')[1]);
      if (port) answers.push(port);
    }
    return answers;
  };

  const handle: RedisSentinelProcess = {
    name,
    sentinels,
    nodes,
    async masterPort() {
      const [port] = await namedMasters();
      if (!port) throw new Error('no sentinel answered GET-MASTER-ADDR-BY-NAME');
      return port;
    },
    client(redisOptions) {
      const c = new Redis({
        sentinels,
        name,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectTimeout: 2_000,
        retryStrategy: () => 100,
        sentinelRetryStrategy: () => 100,
        ...redisOptions,
      });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    async failover() {
      const killed = (await namedMasters())[0];
      if (!killed) throw new Error('failover: no sentinel names a master');
      const node = data.get(killed);
      if (!node || node.proc.exited()) throw new Error(`failover: the named master ${killed} is not running`);
      const started = Date.now();
      node.proc.child.kill('SIGKILL');
      let promoted = 0;
      await pollUntil(async () => {
        const named = await namedMasters();
        if (named.length !== sentinels.length || named.some((p) => p === killed || p !== named[0])) return false;
        const role = infoFields(await redisCli(named[0]!, ['INFO', 'replication'])).get('role');
        promoted = named[0]!;
        return role === 'master';
      }, FAILOVER_TIMEOUT_MS, `the sentinels did not promote a replica after master ${killed} was killed`);
      return { killed, promoted, ms: Date.now() - started };
    },
    async restartNode(port) {
      const node = data.get(port);
      if (!node) throw new Error(`restartNode: no data node on port ${port}`);
      if (!node.proc.exited()) throw new Error(`restartNode: ${port} is still running`);
      await startData(port, node.args);
      await pollUntil(async () => {
        const info = infoFields(await redisCli(port, ['INFO', 'replication']));
        if (info.get('role') !== 'slave' || info.get('master_link_status') !== 'up') return false;
        for (const s of sentinels) {
          const replicas = await redisCli(s.port, ['SENTINEL', 'REPLICAS', name]);
          // Flags of this replica: `slave` alone once the sentinel sees it healthy again.
          const entry = replicas.split('\n');
          const at = entry.findIndex((line, i) => line.trim() === 'port' && entry[i + 1]?.trim() === String(port));
          if (at === -1) return false;
          const flagsAt = entry.findIndex((line, i) => i > at && line.trim() === 'flags');
          if (flagsAt === -1 || entry[flagsAt + 1]?.trim() !== 'slave') return false;
        }
        return true;
      }, FAILOVER_TIMEOUT_MS, `restarted node ${port} did not become a healthy replica`, 200);
    },
    async restartKilled() {
      for (const [port, node] of data) if (node.proc.exited()) await handle.restartNode(port);
    },
    stop,
  };
  return handle;
}

function count(text: string, pattern: RegExp): number {
  return text.split('\n').filter((line) => pattern.test(line.trim())).length;
}
