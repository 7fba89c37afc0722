/**
 * The real system for the browser journeys, started on free ports: the provider
 * simulator, moto's server (SES: the worker sends sign-up email there and moto records
 * it), the gateway's web and worker roles, the bff, and Vite proxying /api to that bff,
 * on a fresh Postgres database and a fresh RabbitMQ vhost (both removed afterwards),
 * seeded with `python -m shared.ops seed-demo`.
 *
 * Admins must sign in with MFA: the demo admin enrolls through the bff's API here (its
 * secret goes to the journeys, which compute codes with e2e/totp.ts), and `create-user`
 * adds the accounts the MFA and password journeys change, so the other journeys' users
 * stay as seeded.
 *
 * Set E2E_BASE_URL to run against a system that is already up (`make run`): then only
 * the demo seed runs, with the environment's DATABASE_URL (and moto at AWS_ENDPOINT_URL); a
 * demo admin enrolled by an earlier run needs its secret in E2E_ADMIN_TOTP_SECRET.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshTotp } from './totp';

const WEBAPP = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(WEBAPP, '..');
const PYTHON = process.env.E2E_PYTHON ?? join(ROOT, '.venv', 'bin', 'python');
const POSTGRES_URL = process.env.E2E_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const AMQP_BASE_URL = process.env.E2E_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const RABBITMQ_API = process.env.E2E_RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';
const RABBITMQ_AUTH = `Basic ${Buffer.from(process.env.E2E_RABBITMQ_CREDENTIALS ?? 'guest:guest').toString('base64')}`;
export const LOG_DIR = join(WEBAPP, 'test-results', 'e2e-logs');

export interface Credentials {
  email: string;
  password: string;
  role: 'advisor' | 'admin';
  /** The authenticator's base32 secret when the account has MFA on. */
  totpSecret?: string;
}

/** Accounts made for the journeys that change them (by `create-user`, never enrolled). */
export interface JourneyAccounts {
  /** An admin at first sign-in: must set up MFA before anything else. */
  newAdmin: Credentials;
  /** An advisor who changes their own password. */
  passwordAdvisor: Credentials;
  /** An advisor whose password an admin resets. */
  resetAdvisor: Credentials & { fullName: string };
}

/** What the journeys need to know, handed to the test workers through the environment. */
export interface SystemInfo {
  baseUrl: string;
  credentials: Credentials[];
  /** moto's server: what its SES recorded is at `${motoUrl}/moto-api/data.json`. */
  motoUrl: string;
  /** The system's database, for journeys that arrange rows no screen creates. */
  databaseUrl?: string;
  accounts: JourneyAccounts;
}

const JOURNEY_PASSWORD = 'Journey-pass-2026-long!';

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitFor(what: string, url: string, child: ChildProcess | null, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}; see ${LOG_DIR}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${what} was not ready at ${url} within ${timeoutMs} ms (${last}); see ${LOG_DIR}`);
}

function runPython(args: string[], env: NodeJS.ProcessEnv, input?: string, allowed: number[] = [0]): string {
  const result = spawnSync(PYTHON, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000, input });
  if (!allowed.includes(result.status ?? -1)) {
    throw new Error(`python ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/** The JSON object a `shared.ops` command printed (indented, possibly after log lines). */
function lastJson<T>(output: string): T {
  const start = output.search(/^\{/m);
  if (start < 0) throw new Error(`no JSON in: ${output}`);
  return JSON.parse(output.slice(start)) as T;
}

async function rabbit(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${RABBITMQ_API}/api/${path}`, {
    method,
    headers: { Authorization: RABBITMQ_AUTH, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok && !(method === 'DELETE' && response.status === 404)) {
    throw new Error(`RabbitMQ ${method} ${path}: ${response.status} ${await response.text()}`);
  }
}

class Processes {
  private readonly children: { name: string; child: ChildProcess }[] = [];

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): ChildProcess {
    const log = createWriteStream(join(LOG_DIR, `${name}.log`));
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.push({ name, child });
    return child;
  }

  /** SIGTERM each process group (Vite has children), newest first; SIGKILL stragglers. */
  async stopAll(): Promise<void> {
    for (const { child } of [...this.children].reverse()) {
      await new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return done();
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
          done();
        }, 20_000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          clearTimeout(timer);
          done();
        }
      });
    }
  }
}

function seedDemo(env: NodeJS.ProcessEnv): Credentials[] {
  const seeded = lastJson<{ credentials: Credentials[] }>(runPython(['-m', 'shared.ops', 'seed-demo', '--members', '24'], env));
  return seeded.credentials;
}

/** The journeys' own accounts, through the operator command (exit 3: already there). */
function createJourneyAccounts(env: NodeJS.ProcessEnv): JourneyAccounts {
  const suffix = randomBytes(4).toString('hex');
  const make = (name: string, role: Credentials['role']): Credentials & { fullName: string } => {
    const email = `${name.toLowerCase().replace(/\s+/g, '.')}.${suffix}@origin.example`;
    runPython(['-m', 'shared.ops', 'create-user', '--email', email, '--name', name, '--role', role], env, `${JOURNEY_PASSWORD}\n`, [0, 3]);
    return { email, password: JOURNEY_PASSWORD, role, fullName: name };
  };
  return {
    newAdmin: make('Nora Newadmin', 'admin'),
    passwordAdvisor: make('Paula Password', 'advisor'),
    resetAdvisor: make('Remy Reset', 'advisor'),
  };
}

/** Sign the demo admin in through the API and turn MFA on; returns its TOTP secret. */
async function enrollAdmin(baseUrl: string, admin: Credentials): Promise<string> {
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  };
  const login = await post('/auth/login', { email: admin.email, password: admin.password });
  if (login.status === 202) {
    const known = process.env.E2E_ADMIN_TOTP_SECRET;
    if (!known) throw new Error(`${admin.email} has MFA on already: set E2E_ADMIN_TOTP_SECRET`);
    return known;
  }
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
  const headers = { Cookie: cookie, 'X-CSRF-Token': csrf };
  const started = await post('/auth/mfa/enrollment', undefined, headers);
  const { secret } = (await started.json()) as { secret: string };
  await post('/auth/mfa/enrollment/confirm', { code: await freshTotp(secret) }, headers);
  await post('/auth/logout', undefined, headers);
  return secret;
}

async function withEnrolledAdmin(baseUrl: string, credentials: Credentials[]): Promise<Credentials[]> {
  return Promise.all(
    credentials.map(async (credentials) =>
      credentials.role === 'admin' ? { ...credentials, totpSecret: await enrollAdmin(baseUrl, credentials) } : credentials,
    ),
  );
}

/** Start everything; resolve with what the journeys need and a function that stops it all. */
export async function startSystem(): Promise<{ info: SystemInfo; stop: () => Promise<void> }> {
  mkdirSync(LOG_DIR, { recursive: true });
  if (process.env.E2E_BASE_URL) {
    const env = { ...process.env };
    const baseUrl = process.env.E2E_BASE_URL;
    const credentials = await withEnrolledAdmin(baseUrl, seedDemo(env));
    const info = {
      baseUrl,
      credentials,
      accounts: createJourneyAccounts(env),
      motoUrl: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000',
    };
    return { info, stop: async () => undefined };
  }

  const suffix = randomBytes(6).toString('hex');
  const database = `origin_e2e_${suffix}`;
  const vhost = `origin_e2e_${suffix}`;
  const [simulatorPort, gatewayPort, workerPort, bffPort, webPort, motoPort] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  const webUrl = `http://127.0.0.1:${webPort}`;
  const filesBucket = 'origin-local-files';
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  const motoUrl = `http://127.0.0.1:${motoPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    APP_ENV: 'test',
    LOG_LEVEL: 'INFO',
    PYTHONUNBUFFERED: '1',
    DATABASE_URL: `${POSTGRES_URL}/${database}`,
    AMQP_URL: `${AMQP_BASE_URL}/${vhost}`,
    GATEWAY_INTERNAL_URL: gatewayUrl,
    PUBLIC_WEBHOOK_BASE_URL: gatewayUrl,
    SMS_BASE_URL: simulatorUrl,
    AGGREGATION_BASE_URL: simulatorUrl,
    SCHEDULING_BASE_URL: simulatorUrl,
    SIMULATOR_GATEWAY_WEBHOOK_BASE_URL: gatewayUrl,
    SIMULATOR_PUBLIC_BASE_URL: simulatorUrl,
    // One moto server stands in for S3 and SES; it accepts any credentials. The worker
    // registers the email sender there as it starts; links in emails point at this Vite.
    // The bff signs upload URLs for the console's own origin (Vite proxies the bucket's path
    // to moto), as moto refuses presigned CORS preflights.
    AWS_ENDPOINT_URL: motoUrl,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    WEBAPP_BASE_URL: webUrl,
    FILES_BUCKET: filesBucket,
  };
  const processes = new Processes();
  let created = false;
  let vhostCreated = false;
  const stop = async () => {
    await processes.stopAll();
    if (vhostCreated) await rabbit('DELETE', `vhosts/${encodeURIComponent(vhost)}`).catch((error) => console.error(error));
    if (created) {
      const drop = spawnSync(
        PYTHON,
        ['-c', `import psycopg2; c = psycopg2.connect("${POSTGRES_URL}/postgres"); c.autocommit = True; c.cursor().execute('DROP DATABASE IF EXISTS "${database}" WITH (FORCE)')`],
        { cwd: ROOT, encoding: 'utf8' },
      );
      if (drop.status !== 0) console.error(`could not drop ${database}: ${drop.stderr}`);
    }
  };

  try {
    await rabbit('PUT', `vhosts/${encodeURIComponent(vhost)}`, {});
    vhostCreated = true;
    await rabbit('PUT', `permissions/${encodeURIComponent(vhost)}/guest`, { configure: '.*', write: '.*', read: '.*' });
    runPython(['-m', 'shared.ops', 'create-db'], env);
    created = true;
    runPython(['-m', 'shared.ops', 'migrate'], env);
    const seeded = seedDemo(env);
    const accounts = createJourneyAccounts(env);

    const moto = processes.start('moto', PYTHON, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(motoPort)], env);
    await waitFor('moto', `${motoUrl}/moto-api/data.json`, moto);
    runPython(['-m', 'shared.ops', 'ensure-bucket'], env);
    const simulator = processes.start('simulator', PYTHON, ['-m', 'connectors.simulator'], { ...env, PORT: String(simulatorPort) });
    const gateway = processes.start('gateway-web', PYTHON, ['-m', 'gateway', 'web'], { ...env, PORT: String(gatewayPort) });
    const worker = processes.start('gateway-worker', PYTHON, ['-m', 'gateway', 'worker'], { ...env, PORT: String(workerPort) });
    const bff = processes.start('bff', PYTHON, ['-m', 'bff'], { ...env, PORT: String(bffPort), AWS_ENDPOINT_URL: webUrl });
    const vite = processes.start(
      'vite',
      join(WEBAPP, 'node_modules', '.bin', 'vite'),
      ['--host', '127.0.0.1', '--port', String(webPort), '--strictPort'],
      { ...process.env, BFF_URL: `http://127.0.0.1:${bffPort}`, BROWSER: 'none', S3_PROXY_URL: motoUrl, S3_PROXY_BUCKET: filesBucket },
      WEBAPP,
    );
    await Promise.all([
      waitFor('simulator', `${simulatorUrl}/`, simulator),
      waitFor('gateway web', `${gatewayUrl}/`, gateway),
      waitFor('gateway worker', `http://127.0.0.1:${workerPort}/`, worker),
      waitFor('bff', `http://127.0.0.1:${bffPort}/`, bff),
      waitFor('vite', `http://127.0.0.1:${webPort}/`, vite),
    ]);
    // The first page load makes Vite transform every module; do it before the clock runs.
    await waitFor('vite modules', `http://127.0.0.1:${webPort}/src/main.tsx`, vite);
    const credentials = await withEnrolledAdmin(`http://127.0.0.1:${bffPort}`, seeded);
    return { info: { baseUrl: webUrl, credentials, accounts, motoUrl, databaseUrl: env.DATABASE_URL }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
