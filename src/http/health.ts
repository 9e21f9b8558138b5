import type { Express } from "express";
import type { UpstreamHealth } from "../observability/health";
import type { Lifecycle } from "./lifecycle";

/**
 * Probes (API.md §6). Liveness: the process runs. Readiness: 200 while serving, 503 from the first
 * moment of shutdown; the upstreams' states are for people — an upstream outage never fails readiness,
 * or every replica would leave the load balancer at once.
 */
export function healthRoutes(app: Express, lifecycle: Lifecycle, upstreams: UpstreamHealth): void {
  // Routes of the app itself, not a nested Router: every GraphQL request would pass through one.
  app.get("/health/live", (_req, res) => {
    res.status(200).json({ status: "ok" });
  });
  app.get("/health/ready", (_req, res) => {
    const draining = lifecycle.isDraining;
    res
      .status(draining ? 503 : 200)
      .json({ status: draining ? "shutting_down" : "ready", upstreams: upstreams.snapshot() });
  });
}
