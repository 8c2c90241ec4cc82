/**
 * A real round-robin load balancer for tests: Debian's nginx in the foreground (`daemon off;`,
 * `nginx -p DIR -c FILE -e LOG`) with its whole prefix (config, pid, logs, temp files) in a temporary
 * directory, listening on a free loopback port, stopped by PID. Start the upstreams first.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from './app-process';
import { freePort } from './ports';
import { pollUntil } from './redis-cli';

const READY_TIMEOUT_MS = 15_000;

/** Options of {@link startNginx}. */
export interface StartNginxOptions {
  /** `host:port` of every upstream, in round-robin order. */
  upstreams: readonly string[];
  /** @default a free port */
  port?: number;
  /**
   * Let nginx try the next upstream when one refuses the connection or times out before answering
   * (nginx's default). Off makes a dead instance visible as 502 instead of being hidden. @default true
   */
  retryNextUpstream?: boolean;
  /** proxy_read_timeout in seconds. @default 60 */
  readTimeout?: number;
}

/** A running nginx. */
export interface NginxProcess {
  /** `http://localhost:<port>`: what the apps should be told is their APP_URL. */
  url: string;
  port: number;
  pid(): number;
  /** nginx's error log so far. */
  errorLog(): string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Writes the config and starts nginx; resolves once it answers HTTP on its port.
 *
 * @example
 * const lb = await startNginx({ upstreams: apps.map((a) => `127.0.0.1:${a.port}`) });
 */
export async function startNginx(options: StartNginxOptions): Promise<NginxProcess> {
  if (options.upstreams.length === 0) throw new TypeError('startNginx: at least one upstream');
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'bffkit-nginx-'));
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, nginxConfig(dir, port, options));
  const errorLog = join(dir, 'error.log');
  const proc = track(
    spawn(process.env.NGINX ?? 'nginx', ['-p', dir, '-c', file, '-e', errorLog], { stdio: ['ignore', 'pipe', 'pipe'] }),
    `nginx:${port}`,
  );
  const readLog = () => {
    try {
      return readFileSync(errorLog, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    await proc.stop(); // SIGTERM: fast shutdown of master and workers
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pollUntil(async () => {
      if (proc.exited()) throw new Error(`nginx exited:\n${proc.output()}\n${readLog()}`);
      const res = await fetch(`http://127.0.0.1:${port}/__nginx_health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.status === 204;
    }, READY_TIMEOUT_MS, `nginx on ${port} did not answer`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://localhost:${port}`, port, pid: () => proc.child.pid!, errorLog: readLog, output: proc.output, stop };
}

function nginxConfig(dir: string, port: number, options: StartNginxOptions): string {
  const retry = options.retryNextUpstream ?? true;
  return `daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream apps {
${options.upstreams.map((u) => `    server ${u} max_fails=0;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    location = /__nginx_health { return 204; }
    location / {
      proxy_pass http://apps;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto http;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout ${options.readTimeout ?? 60}s;
      proxy_next_upstream ${retry ? 'error timeout' : 'off'};
    }
  }
}
`;
}
