/**
 * Smoke tests of the process helpers for "many instances": a real 3-master Redis Cluster, a real
 * master + replica + 3 sentinels with a failover, nginx round robin, and two example app instances
 * behind nginx sharing one configuration.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startBalancedApps } from '../support/app-instances';
import { startBackend } from '../support/backend-process';
import { getJson, jsonPost, setCookies } from '../support/http';
import { startNginx } from '../support/nginx';
import { redisCli } from '../support/redis-cli';
import { startRedisCluster } from '../support/redis-cluster';
import { startRedisSentinel } from '../support/redis-sentinel';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('startRedisCluster', () => {
  it('starts 3 masters that together serve all 16384 slots, and spreads keys over them', async () => {
    const cluster = await startRedisCluster();
    cleanups.push(cluster.stop);
    expect(cluster.nodes).toHaveLength(3);
    for (const node of cluster.nodes) expect(node.busPort).not.toBe(node.port + 10_000);
    const client = cluster.client();
    await Promise.all(Array.from({ length: 60 }, (_, i) => client.set(`k${i}`, String(i))));
    expect(await client.get('k7')).toBe('7');
    const byNode = await cluster.keysByNode();
    expect([...byNode.values()].filter((keys) => keys.length > 0)).toHaveLength(3);
    expect(await cluster.portOf('k7')).toBe([...byNode].find(([, keys]) => keys.includes('k7'))![0]);
    // The cluster really is a cluster: two keys in different slots cannot go into one script.
    await expect(client.eval("return redis.call('GET', KEYS[2])", 2, 'k1', 'k2')).rejects.toThrow(/CROSSSLOT/);
    await cluster.stop();
    for (const node of cluster.nodes) await expect(redisCli(node.port, ['PING'], 1_000)).rejects.toThrow();
  });
});

describe('startRedisSentinel', () => {
  it('fails over to the replica when the master is killed, and a sentinel client follows', async () => {
    const setup = await startRedisSentinel();
    cleanups.push(setup.stop);
    const first = await setup.masterPort();
    expect(first).toBe(setup.nodes[0]!.port);
    const client = setup.client();
    await new Promise((r) => client.once('ready', r));
    await client.set('before', '1');
    await client.wait(1, 1_000);
    const result = await setup.failover();
    expect(result.killed).toBe(first);
    expect(result.promoted).toBe(setup.nodes[1]!.port);
    expect(result.ms).toBeLessThan(15_000);
    await expect.poll(() => client.get('before').catch(() => 'not yet'), { timeout: 10_000, interval: 100 }).toBe('1');
    expect(await client.set('after', '2')).toBe('OK');
    // The old master comes back empty and the sentinels make it a replica of the new one.
    await setup.restartNode(result.killed);
    await expect
      .poll(async () => (await redisCli(result.killed, ['INFO', 'replication'])).includes('role:slave'), { timeout: 15_000, interval: 200 })
      .toBe(true);
    console.log(`sentinel failover: ${result.ms} ms from SIGKILL of ${result.killed} to ${result.promoted} as master`);
  });
});

describe('startNginx', () => {
  it('sends requests round robin to its upstreams', async () => {
    const servers: Server[] = [];
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const server = createServer((req, res) => res.end(String(i)));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      servers.push(server);
      ports.push((server.address() as { port: number }).port);
    }
    cleanups.push(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));
    const lb = await startNginx({ upstreams: ports.map((p) => `127.0.0.1:${p}`) });
    cleanups.push(lb.stop);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await (await fetch(`${lb.url}/x`)).text());
    expect(answers.join('')).toMatch(/^(01){3}|(10){3}$/);
    await lb.stop();
    await expect(fetch(`${lb.url}/x`)).rejects.toThrow();
  });
});

describe('startBalancedApps', () => {
  it('runs two example app instances behind nginx with one configuration: a login works on both', async () => {
    const backend = await startBackend();
    cleanups.push(backend.stop);
    const site = await startBalancedApps({ backendUrl: backend.url });
    cleanups.push(site.stop);
    expect(site.apps).toHaveLength(2);
    expect(new Set(site.apps.map((a) => a.pid)).size).toBe(2);
    const login = await jsonPost(`${site.url}/api/auth/login`, { email: 'demo@example.com', password: 'demo-password' });
    expect(login.status).toBe(200);
    const cookie = setCookies(login)
      .filter((c) => c.value)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    // Straight to each instance, and four times through nginx (two rounds of the round robin).
    for (const url of [...site.apps.map((a) => a.url), site.url, site.url, site.url, site.url]) {
      const res = await getJson(`${url}/api/auth/session`, { cookie });
      expect(await res.json()).toMatchObject({ status: 'authenticated' });
    }
    await site.stop();
    for (const app of site.apps) expect(app.exited()).toBe(true);
  });
});
