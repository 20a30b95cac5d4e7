import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { BadInputError } from "../core/errors.js";
import { type AppDeps, createApp, type RewardApp } from "./app.js";

/** Where to listen, plus everything the app is built from. */
export interface ServeOptions extends AppDeps {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** How long a shutdown waits for admitted checks before it closes connections anyway. */
  drainTimeoutMs?: number;
}

/** A listening server. */
export interface RunningServer {
  url: string;
  host: string;
  port: number;
  reward: RewardApp;
  /** Graceful stop: refuse new work (503), finish admitted checks, send their answers, close. Idempotent. */
  close(): Promise<void>;
}

/** Whether a host name or address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::ffff:127.0.0.1";
}

/** Binds the reward service; refuses a non-loopback host without a token. The only place that opens a port. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { host, port, drainTimeoutMs, ...deps } = options;
  if (!isLoopback(host) && !deps.token) {
    throw new BadInputError(
      `refusing to listen on ${host} without a token: anyone who can reach it could use it; pass --token or set RTLGYM_TOKEN`,
    );
  }
  const reward = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: reward.app.fetch, hostname: host, port }, () => resolve(s as Server)) as Server;
    s.once("error", reject);
  });
  // Slow or stuck clients must not hold sockets forever; long checks still fit in these limits.
  server.requestTimeout = 10 * 60_000;
  server.headersTimeout = 60_000;
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const limit = drainTimeoutMs ?? 5 * 60_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        reward.shutdown(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, limit);
        }),
      ]);
      clearTimeout(timer);
      await new Promise<void>((resolve) => {
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const force = setTimeout(() => server.closeAllConnections(), 10_000);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
    })();
    return closing;
  };
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return { url: `http://${shownHost}:${bound}`, host, port: bound, reward, close };
}

/**
 * Stops the server gracefully on SIGTERM or SIGINT (a second signal exits at once). Calls `onClosed` when done.
 */
export function closeOnSignals(running: RunningServer, log: (line: string) => void, onClosed: () => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: finishing ${running.reward.service.outstanding} admitted checks, then exiting`);
    running.close().then(onClosed, (e: unknown) => {
      log(`shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
      onClosed();
    });
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
