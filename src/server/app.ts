import { createHash, timingSafeEqual } from "node:crypto";
import { availableParallelism } from "node:os";
import { setImmediate as nextTurn } from "node:timers/promises";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type {
  HdlLanguage,
  Problem,
  SignalVerdict,
  StrengthBar,
  VerifyResult,
  VerifyStatus,
} from "../contracts/index.js";
import { BadInputError, RtlgymError } from "../core/errors.js";
import {
  DEFAULT_REWARD,
  getReward,
  normalisedScore,
  prepareResponse,
  type RewardFunction,
  scoreVerdict,
} from "../reward/index.js";
import {
  type CheckerOptions,
  type CheckOutcome,
  type CheckRequest,
  CheckService,
  DEFAULT_CHECKER_OPTIONS,
  detectLanguage,
  LruCache,
  QueueFullError,
  resolveOptions,
  ShuttingDownError,
  toolVersions,
  type VerifyOptions,
} from "../verify/index.js";
import { ServiceMetrics } from "./metrics.js";
import { ProblemIndex } from "./problems.js";
import { type ClientOptions, getRewardBody, InlineLabel, rewardsBody, VerifyBody } from "./schemas.js";

/** Everything the HTTP app is built from; all optional. */
export interface AppDeps {
  /** Problems requests may name as `<suite>/<id>`. */
  problems?: ProblemIndex;
  /** Workers, queue, micro-batching and cache settings (workers default to the number of cores). */
  checker?: Partial<CheckerOptions>;
  /** Server-wide verification options (engine, timeoutMs, ...); clients may lower timeouts, never raise them. */
  verify?: VerifyOptions;
  /** Bearer token every route but /healthz and /readyz requires; undefined: no authentication. */
  token?: string;
  /** Reward for a check without a verdict (infra_error, unsupported): a number, or null to report it as missing. */
  infraErrorReward?: number | null;
  /** Share of the reward a pass keeps when Yosys could not read the candidate, so formal never ran (default 1). */
  simOnlyScale?: number;
  /** The evidence a pass needs to be rewarded as a pass; below it, it scores as a fail (details.belowMinStrength). */
  minStrength?: StrengthBar;
  /** Largest request body, bytes. */
  maxBodyBytes?: number;
  /** Most items (or samples) in one /v1/rewards or /get_reward request. */
  maxItems?: number;
  /**
   * Longest candidate source checked, characters: extracted code beyond it is a format error, a /v1/verify candidate
   * beyond it a 413. Real designs are a few KB; this keeps megabyte texts out of the engine's front end.
   */
  maxCandidateChars?: number;
}

/** The HTTP app with the service behind it. */
export interface RewardApp {
  app: Hono;
  service: CheckService;
  metrics: ServiceMetrics;
  /** Refuses new work (503) and resolves when every admitted check has been answered. */
  shutdown(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_ITEMS = 4096;
export const DEFAULT_MAX_CANDIDATE_CHARS = 256 * 1024;

type ErrorCode =
  | "bad_json"
  | "bad_request"
  | "unknown_problem"
  | "unknown_reward"
  | "bad_reference"
  | "unauthorized"
  | "payload_too_large"
  | "too_many_checks"
  | "queue_full"
  | "shutting_down"
  | "infra_error"
  | "not_found"
  | "internal";

/** A failure answered with `{"error": {"code", "message", ...fields}}` and its HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Machine-readable context added to the error object (e.g. the limit that was exceeded). */
    readonly fields: Record<string, number | string> = {},
  ) {
    super(message);
  }
}

/** One scored response, as /v1/rewards returns it. */
export interface RewardResult {
  id?: string;
  reward: number | null;
  status: VerifyStatus | "format_error";
  signals: SignalVerdict[];
  message: string;
  cached: boolean;
  details: Record<string, unknown>;
}

interface ScoreJob {
  id?: string | undefined;
  fn: RewardFunction;
  response: string;
  reference: string;
  refTop?: string | undefined;
  candTop?: string | undefined;
  /** Module header of a code-completion problem, put in front of a body-only answer. */
  prefix?: string | undefined;
  /** The reference's language and the answer's (extraction, format gate and check follow it). */
  referenceLanguage: HdlLanguage;
  language: HdlLanguage;
  /** The input constraint a named problem's spec states (the request's `options.assume` replaces it). */
  assume?: string | undefined;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Work between two yields to the event loop while preparing or scoring a batch, so /healthz stays responsive. */
const SLICE_MS = 20;

/** `items.map(fn)`, giving the event loop a turn every SLICE_MS of work (a batch may hold megabytes of responses). */
async function mapYielding<T, R>(items: readonly T[], fn: (item: T, index: number) => R): Promise<R[]> {
  const out: R[] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i++) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
    out.push(fn(items[i] as T, i));
  }
  return out;
}

function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "body"}: ${i.message}`)
    .join("; ");
}

/** Builds the reward service's HTTP app. Binding a port is serve.ts's job. */
export function createApp(deps: AppDeps = {}): RewardApp {
  const problems = deps.problems ?? new ProblemIndex();
  const metrics = new ServiceMetrics();
  const service = new CheckService(
    { ...DEFAULT_CHECKER_OPTIONS, workers: Math.max(availableParallelism(), 1), ...deps.checker },
    metrics,
  );
  const serverVerify = resolveOptions(deps.verify ?? {});
  const infraErrorReward = deps.infraErrorReward === undefined ? null : deps.infraErrorReward;
  const maxItems = deps.maxItems ?? DEFAULT_MAX_ITEMS;
  const maxCandidateChars = deps.maxCandidateChars ?? DEFAULT_MAX_CANDIDATE_CHARS;
  const tooLong = (code: string) =>
    code.length > maxCandidateChars
      ? `the candidate has ${code.length} characters; this server checks at most ${maxCandidateChars}`
      : undefined;
  const RewardsBody = rewardsBody(maxItems);
  const GetRewardBody = getRewardBody(maxItems);
  const tokenDigest = deps.token === undefined ? undefined : digest(deps.token);
  const ready = toolVersions();
  ready.catch(() => undefined);

  /** Server defaults, then the client's options (timeouts capped at the server's), then the tops. */
  function optionsFor(client: ClientOptions | undefined, tops: { refTop?: string; candTop?: string }, stated?: string) {
    const { vhdlRoute: _route, ...verify } = client ?? {};
    const o: VerifyOptions = { ...serverVerify, ...(stated !== undefined && { assume: stated }), ...verify };
    if (o.timeoutMs !== undefined) o.timeoutMs = Math.min(o.timeoutMs, serverVerify.timeoutMs);
    if (o.formalTimeoutMs !== undefined)
      o.formalTimeoutMs = Math.min(o.formalTimeoutMs, Math.max(serverVerify.formalTimeoutMs, serverVerify.timeoutMs));
    if (tops.refTop !== undefined) o.refTop = tops.refTop;
    if (tops.candTop !== undefined) o.candTop = tops.candTop;
    try {
      return resolveOptions(o);
    } catch (e) {
      throw new HttpError(400, "bad_request", (e as Error).message);
    }
  }

  function problemOf(name: string, where: string) {
    const p = problems.get(name);
    if (!p) {
      throw new HttpError(
        400,
        "unknown_problem",
        `${where}unknown problem "${name}" (expected <suite>/<id>; this server holds ${problems.size} problems${problems.size > 0 ? ` in ${Object.keys(problems.suites()).join(", ")}` : ""})`,
      );
    }
    return p;
  }

  /**
   * The languages of a check: a problem's reference is in the problem's language (Verilog when it names none), an
   * inline one in the language given, else the one its text says (an entity and no module: VHDL). The answer is in
   * the language given, else the reference's.
   */
  function languagesOf(
    problem: Problem | undefined,
    reference: string,
    given: { language?: HdlLanguage | undefined; referenceLanguage?: HdlLanguage | undefined },
  ): { referenceLanguage: HdlLanguage; language: HdlLanguage } {
    const referenceLanguage =
      problem !== undefined ? (problem.language ?? "verilog") : (given.referenceLanguage ?? languageOfText(reference));
    return { referenceLanguage, language: given.language ?? referenceLanguage };
  }

  /**
   * detectLanguage, remembered per text (the items of one RL group share their reference), and without lexing a text
   * that declares a module or never says `entity` (a megabyte inline reference must not stall the event loop).
   */
  const detected = new LruCache<HdlLanguage>(256);
  function languageOfText(text: string): HdlLanguage {
    if (/^[ \t]*module[ \t\r\n]/m.test(text) || !/\bentity\b/i.test(text)) return "verilog";
    const key = digest(text).toString("hex");
    let lang = detected.get(key);
    if (lang === undefined) {
      lang = detectLanguage(text);
      detected.set(key, lang);
    }
    return lang;
  }

  function rewardOf(name: string | undefined): RewardFunction {
    try {
      return getReward(name ?? DEFAULT_REWARD);
    } catch (e) {
      throw new HttpError(400, "unknown_reward", (e as Error).message);
    }
  }

  /** Submits checks all-or-nothing and waits for them, mapping service errors onto HTTP ones. */
  async function runChecks(requests: CheckRequest[], labels: string[]): Promise<CheckOutcome[]> {
    let pending: Array<Promise<CheckOutcome>>;
    try {
      pending = service.submit(requests);
    } catch (e) {
      if (e instanceof QueueFullError && e.requested > service.options.queueLimit) {
        // Retrying cannot help (clients retry 429): the request needs more queue slots than the server has.
        metrics.rejections.inc({ reason: "too_many_checks" });
        throw new HttpError(
          413,
          "too_many_checks",
          `the request needs ${e.requested} checks but the server's queue holds at most ${service.options.queueLimit} (--queue); split it into requests of at most ${service.options.queueLimit} items`,
          {},
          { limit: service.options.queueLimit, requested: e.requested },
        );
      }
      if (e instanceof QueueFullError) {
        metrics.rejections.inc({ reason: "queue_full" });
        throw new HttpError(429, "queue_full", e.message, { "Retry-After": String(e.retryAfterS) });
      }
      if (e instanceof ShuttingDownError) {
        metrics.rejections.inc({ reason: "shutting_down" });
        throw new HttpError(503, "shutting_down", e.message, { "Retry-After": "1" });
      }
      throw e;
    }
    const settled = await Promise.allSettled(pending);
    return settled.map((s, i) => {
      if (s.status === "fulfilled") return s.value;
      if (s.reason instanceof BadInputError)
        throw new HttpError(400, "bad_reference", `${labels[i]}${s.reason.message}`);
      throw s.reason;
    });
  }

  async function score(jobs: ScoreJob[], client: ClientOptions | undefined): Promise<RewardResult[]> {
    const prepared = await mapYielding(jobs, (j) => {
      const p = prepareResponse(j.fn, j.response, j.language === "verilog" ? j.prefix : undefined, j.language);
      const overLimit = p.formatError === undefined ? tooLong(p.code) : undefined;
      return overLimit === undefined ? p : { ...p, formatError: overLimit };
    });
    const toCheck: number[] = [];
    const requests = jobs.flatMap((j, i) => {
      if (prepared[i]?.formatError !== undefined) return [];
      toCheck.push(i);
      const tops = {
        ...(j.refTop !== undefined && { refTop: j.refTop }),
        ...(j.candTop !== undefined && { candTop: j.candTop }),
      };
      return [
        {
          reference: j.reference,
          candidate: prepared[i]?.code ?? "",
          options: optionsFor(client, tops, j.assume),
          referenceLanguage: j.referenceLanguage,
          candidateLanguage: j.language,
          ...(client?.vhdlRoute !== undefined && { vhdlRoute: client.vhdlRoute }),
        },
      ];
    });
    const outcomes = await runChecks(
      requests,
      toCheck.map((i) => `item ${i}: `),
    );
    const byIndex = new Map(toCheck.map((i, k) => [i, outcomes[k] as CheckOutcome]));
    return mapYielding(jobs, (j, i): RewardResult => {
      const p = prepared[i] as ReturnType<typeof prepareResponse>;
      const base = j.id === undefined ? {} : { id: j.id };
      const outcome = byIndex.get(i);
      if (outcome === undefined) {
        metrics.statuses.inc({ status: "format_error" });
        return {
          ...base,
          reward: j.fn.formatErrorReward,
          status: "format_error",
          signals: [],
          message: p.formatError ?? "format error",
          cached: false,
          details: { reward: j.fn.name, extraction: p.method, formatError: p.formatError },
        };
      }
      metrics.statuses.inc({ status: outcome.result.status });
      const scored = scoreVerdict(
        j.fn,
        { result: outcome.result, response: j.response, code: p.code, reference: j.reference, language: j.language },
        {
          noVerdictReward: infraErrorReward,
          simOnlyScale: deps.simOnlyScale ?? 1,
          ...(deps.minStrength && { minStrength: deps.minStrength }),
        },
      );
      return {
        ...base,
        reward: scored.reward,
        status: outcome.result.status,
        signals: outcome.result.signals,
        message: outcome.result.message,
        cached: outcome.cached,
        details: {
          reward: j.fn.name,
          extraction: p.method,
          ...(j.language !== "verilog" && { language: j.language }),
          ...scored.details,
        },
      };
    });
  }

  async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new HttpError(400, "bad_json", "the request body is not valid JSON");
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new HttpError(400, "bad_request", zodMessage(parsed.error));
    return parsed.data;
  }

  const app = new Hono();

  app.onError((err, c) => {
    const e =
      err instanceof HttpError
        ? err
        : err instanceof BadInputError
          ? new HttpError(400, "bad_request", err.message)
          : err instanceof RtlgymError
            ? new HttpError(500, "infra_error", err.message)
            : new HttpError(500, "internal", err instanceof Error ? err.message : String(err));
    if (e.status === 400) metrics.rejections.inc({ reason: e.code });
    for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
    return c.json({ error: { code: e.code, message: e.message, ...e.fields } }, e.status);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route ${c.req.method} ${c.req.path}` } }, 404));

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    metrics.requestLatency.observe({ route: c.req.routePath || c.req.path }, (performance.now() - started) / 1000);
  });

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => {
    if (service.closing) return c.json({ ready: false, reason: "shutting down" }, 503);
    try {
      const versions = await ready;
      return c.json({
        ready: true,
        toolVersions: versions,
        problems: problems.suites(),
        queue: { outstanding: service.outstanding, limit: service.options.queueLimit },
        workers: service.options.workers,
      });
    } catch (e) {
      return c.json({ ready: false, reason: (e as Error).message }, 503);
    }
  });

  // Everything below needs the token, when one is configured.
  app.use("*", async (c, next) => {
    if (tokenDigest === undefined) return next();
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m || !timingSafeEqual(digest(m[1]?.trim() ?? ""), tokenDigest)) {
      metrics.rejections.inc({ reason: "unauthorized" });
      c.header("WWW-Authenticate", 'Bearer realm="rtlgym"');
      return c.json({ error: { code: "unauthorized", message: "a valid bearer token is required" } }, 401);
    }
    return next();
  });

  app.get("/metrics", async (c) => {
    c.header("Content-Type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.use(
    "*",
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onError: (c) => {
        metrics.rejections.inc({ reason: "payload_too_large" });
        return c.json(
          {
            error: {
              code: "payload_too_large",
              message: `the request body exceeds ${deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes`,
            },
          },
          413,
        );
      },
    }),
  );
  app.use("*", async (c, next) => {
    if (c.req.method === "POST" && service.closing) {
      metrics.rejections.inc({ reason: "shutting_down" });
      c.header("Retry-After", "1");
      return c.json({ error: { code: "shutting_down", message: "the server is shutting down" } }, 503);
    }
    return next();
  });

  app.post("/v1/verify", async (c) => {
    const body = await readJson(c, VerifyBody);
    let reference: string;
    let refTop = body.refTop;
    let candTop = body.candTop;
    let problem: Problem | undefined;
    if (body.problem !== undefined) {
      problem = problemOf(body.problem, "");
      reference = problem.reference;
      refTop ??= problem.refTop;
      candTop ??= problems.candTopOf(problem);
    } else reference = body.reference as string;
    const overLimit = tooLong(body.candidate);
    if (overLimit !== undefined) {
      metrics.rejections.inc({ reason: "payload_too_large" });
      throw new HttpError(413, "payload_too_large", overLimit, {}, { limit: maxCandidateChars });
    }
    // A raw candidate says its own language when the request does not.
    const { referenceLanguage } = languagesOf(problem, reference, body);
    const candidateLanguage = body.language ?? languageOfText(body.candidate);
    const options = optionsFor(
      body.options,
      {
        ...(refTop !== undefined && { refTop }),
        ...(candTop !== undefined && { candTop }),
      },
      problem?.assume,
    );
    const [outcome] = await runChecks(
      [
        {
          reference,
          candidate: body.candidate,
          options,
          referenceLanguage,
          candidateLanguage,
          ...(body.options?.vhdlRoute !== undefined && { vhdlRoute: body.options.vhdlRoute }),
        },
      ],
      [""],
    );
    const result = (outcome as CheckOutcome).result;
    metrics.statuses.inc({ status: result.status });
    c.header("X-Rtlgym-Cached", String((outcome as CheckOutcome).cached));
    return c.json(result satisfies VerifyResult);
  });

  app.post("/v1/rewards", async (c) => {
    const body = await readJson(c, RewardsBody);
    const jobs = body.items.map((item, i): ScoreJob => {
      const fn = rewardOf(item.reward ?? body.reward);
      if (item.problem !== undefined) {
        const p = problemOf(item.problem, `item ${i}: `);
        return {
          id: item.id,
          fn,
          response: item.response,
          reference: p.reference,
          refTop: item.refTop ?? p.refTop,
          candTop: problems.candTopOf(p),
          prefix: p.task === "code-complete" ? p.header : undefined,
          assume: p.assume,
          ...languagesOf(p, p.reference, item),
        };
      }
      const reference = item.reference as string;
      return {
        id: item.id,
        fn,
        response: item.response,
        reference,
        refTop: item.refTop,
        ...languagesOf(undefined, reference, item),
      };
    });
    return c.json({ results: await score(jobs, body.options) });
  });

  app.post("/get_reward", async (c) => {
    const fn = rewardOf(c.req.query("reward"));
    const body = await readJson(c, GetRewardBody);
    const jobs = body.query.map((query, i): ScoreJob => {
      const prompt = body.prompts[i] as string;
      const response = query.startsWith(prompt) ? query.slice(prompt.length) : query;
      const label = (body.labels[i] as string).trim();
      if (label.startsWith("{")) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(label);
        } catch {
          throw new HttpError(400, "bad_request", `labels.${i}: not a problem id and not valid JSON`);
        }
        const inline = InlineLabel.safeParse(parsed);
        if (!inline.success) throw new HttpError(400, "bad_request", `labels.${i}: ${zodMessage(inline.error)}`);
        return {
          fn,
          response,
          reference: inline.data.reference,
          refTop: inline.data.refTop,
          candTop: inline.data.candTop,
          ...languagesOf(undefined, inline.data.reference, inline.data),
        };
      }
      const p = problemOf(label, `labels.${i}: `);
      return {
        fn,
        response,
        reference: p.reference,
        refTop: p.refTop,
        candTop: problems.candTopOf(p),
        prefix: p.task === "code-complete" ? p.header : undefined,
        assume: p.assume,
        ...languagesOf(p, p.reference, {}),
      };
    });
    const results = await score(jobs, undefined);
    // OpenRLHF wants numbers: a missing reward (no verdict under a null policy) is an error it retries, never a 0.
    const missing = results.findIndex((r) => r.reward === null);
    if (missing >= 0) {
      throw new HttpError(
        503,
        "infra_error",
        `sample ${missing} has no verdict (${results[missing]?.status}: ${results[missing]?.message}); start the server with --infra-error-reward to score such samples`,
        { "Retry-After": "5" },
      );
    }
    return c.json({
      rewards: results.map((r) => r.reward as number),
      scores: results.map((r) => normalisedScore(fn, r.reward) as number),
      extra_logs: {
        status: results.map((r) => r.status),
        pass: results.map((r) => (r.status === "pass" ? 1 : 0)),
        format_error: results.map((r) => (r.status === "format_error" ? 1 : 0)),
        cached: results.map((r) => (r.cached ? 1 : 0)),
      },
    });
  });

  return { app, service, metrics, shutdown: () => service.drain() };
}
