/**
 * A real Redis Cluster for tests: N masters (default 3, no replicas) started from Debian's
 * `redis-server --cluster-enabled yes`, joined with `redis-cli --cluster create`, on free loopback
 * ports (the data port and the cluster bus port both picked, never the default port+10000).
 * Every node is a tracked child of the test process, stopped by PID.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type ClusterOptions } from 'ioredis';
import { track, type TrackedProcess } from './app-process';
import { freePort } from './ports';
import { infoFields, pollUntil, redisCli } from './redis-cli';

const READY_TIMEOUT_MS = 20_000;
const SLOTS = 16_384;

/** One master of the cluster. */
export interface ClusterNode {
  port: number;
  busPort: number;
  pid(): number;
  output(): string;
}

/** A running cluster. */
export interface RedisClusterProcess {
  nodes: readonly ClusterNode[];
  /** `{ host, port }` of every node, for `new Cluster(startupNodes)`. */
  startupNodes: { host: string; port: number }[];
  /**
   * A new ioredis Cluster client, closed by `stop()`. Defaults fail fast like the per-file helper
   * (no offline queue after the first connect, one retry per request).
   */
  client(options?: ClusterOptions): Cluster;
  /** The port of the master that serves `key` (asks the cluster: CLUSTER KEYSLOT + CLUSTER SLOTS). */
  portOf(key: string): Promise<number>;
  /** Every key on every master, as `port → keys`. */
  keysByNode(): Promise<Map<number, string[]>>;
  /** Deletes every key on every master. */
  flush(): Promise<void>;
  /** Disconnects the clients made by `client()` and stops every node; removes the data directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface StartRedisClusterOptions {
  /** @default 3 */
  masters?: number;
  /** cluster-node-timeout in ms. @default 2000 */
  nodeTimeout?: number;
}

/**
 * Starts the masters, creates the cluster and waits until every node says `cluster_state:ok` with
 * all 16384 slots assigned.
 *
 * @example
 * const cluster = await startRedisCluster();
 * try { const c = cluster.client(); await c.set('k', 'v'); } finally { await cluster.stop(); }
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterProcess> {
  const count = options.masters ?? 3;
  if (count < 3) throw new TypeError('startRedisCluster: redis-cli --cluster create needs at least 3 masters');
  const dir = mkdtempSync(join(tmpdir(), 'bffkit-redis-cluster-'));
  const procs: TrackedProcess[] = [];
  const clients: Cluster[] = [];
  const nodes: ClusterNode[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      const args = [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
        '--dir', dir, '--dbfilename', `dump-${port}.rdb`,
        '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', String(options.nodeTimeout ?? 2_000),
      ];
      const proc = track(spawn(process.env.REDIS_SERVER ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }), `redis-cluster:${port}`);
      procs.push(proc);
      nodes.push({ port, busPort, pid: () => proc.child.pid!, output: proc.output });
    }
    for (const [i, node] of nodes.entries()) {
      await pollUntil(async () => {
        if (procs[i]!.exited()) throw new Error(`redis-server ${node.port} exited:\n${procs[i]!.output()}`);
        return (await redisCli(node.port, ['PING'])).includes('PONG');
      }, READY_TIMEOUT_MS, `cluster node ${node.port} did not answer PING`);
    }
    await createCluster(nodes.map((n) => `127.0.0.1:${n.port}`));
    for (const node of nodes) {
      await pollUntil(async () => {
        const info = infoFields(await redisCli(node.port, ['CLUSTER', 'INFO']));
        return info.get('cluster_state') === 'ok' && info.get('cluster_slots_ok') === String(SLOTS) && info.get('cluster_known_nodes') === String(count);
      }, READY_TIMEOUT_MS, `cluster node ${node.port} did not reach cluster_state:ok`);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const startupNodes = nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  const portOf = async (key: string) => {
    const slot = Number((await redisCli(nodes[0]!.port, ['CLUSTER', 'KEYSLOT', key])).trim());
    const ranges = await slotRanges(nodes[0]!.port);
    const hit = ranges.find((r) => slot >= r.from && slot <= r.to);
    if (!hit) throw new Error(`no master serves slot ${slot}`);
    return hit.port;
  };
  return {
    nodes,
    startupNodes,
    client(clusterOptions) {
      const c = new Cluster(startupNodes, {
        enableOfflineQueue: true, // the first commands wait for the slot map; the caller's deadline still applies
        redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2_000 },
        clusterRetryStrategy: () => 100,
        ...clusterOptions,
      });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    portOf,
    async keysByNode() {
      const result = new Map<number, string[]>();
      for (const node of nodes) {
        const out = await redisCli(node.port, ['--scan']);
        result.set(node.port, out.split('\n').filter(Boolean));
      }
      return result;
    },
    async flush() {
      await Promise.all(nodes.map((n) => redisCli(n.port, ['FLUSHALL'])));
    },
    stop,
  };
}

function createCluster(addresses: string[]): Promise<void> {
  const binary = process.env.REDIS_CLI ?? 'redis-cli';
  return new Promise((resolve, reject) => {
    execFile(binary, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli --cluster create failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
}

/** The slot ranges of every master, from CLUSTER NODES (`id addr flags master ping pong epoch state slots…`). */
async function slotRanges(port: number): Promise<{ from: number; to: number; port: number }[]> {
  const nodesText = await redisCli(port, ['CLUSTER', 'NODES']);
  const ranges: { from: number; to: number; port: number }[] = [];
  for (const line of nodesText.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length < 9 || !parts[2]!.includes('master')) continue;
    const nodePort = Number(parts[1]!.split('@')[0]!.split(':').pop());
    for (const range of parts.slice(8)) {
      if (range.startsWith('[')) continue; // a slot being migrated
      const [from, to = from] = range.split('-').map(Number) as [number, number?];
      ranges.push({ from, to: to!, port: nodePort });
    }
  }
  return ranges;
}
