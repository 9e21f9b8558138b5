import { Router } from "express";
import type { UpstreamHealth } from "../observability/health";
import type { Lifecycle } from "./lifecycle";

/**
 * Probes (API.md §6). Liveness: the process runs. Readiness: 200 while serving, 503 from the first
 * moment of shutdown; the upstreams' states are for people — an upstream outage never fails readiness,
 * or every replica would leave the load balancer at once.
 */
export function healthRoutes(lifecycle: Lifecycle, upstreams: UpstreamHealth): Router {
  const router = Router();
  router.get("/health/live", (_req, res) => {
    res.status(200).json({ status: "ok" });
  });
  router.get("/health/ready", (_req, res) => {
    const draining = lifecycle.isDraining;
    res
      .status(draining ? 503 : 200)
      .json({ status: draining ? "shutting_down" : "ready", upstreams: upstreams.snapshot() });
  });
  return router;
}
