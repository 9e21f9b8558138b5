import type { FastifyInstance } from "fastify";
import type { UpstreamHealth } from "../observability/health";
import type { Lifecycle } from "./lifecycle";

/**
 * Probes (API.md §6). Liveness: the process runs. Readiness: 200 while serving, 503 from the first
 * moment of shutdown; the upstreams' states are for people — an upstream outage never fails readiness,
 * or every replica would leave the load balancer at once.
 */
export function healthRoutes(app: FastifyInstance, lifecycle: Lifecycle, upstreams: UpstreamHealth): void {
  app.get("/health/live", (_request, reply) => {
    void reply.code(200).send({ status: "ok" });
  });
  app.get("/health/ready", (_request, reply) => {
    const draining = lifecycle.isDraining;
    const redis = upstreams.redis();
    void reply.code(draining ? 503 : 200).send({
      status: draining ? "shutting_down" : "ready",
      upstreams: upstreams.snapshot(),
      // Reported, not failed on: without Redis a replica still answers (API.md §8).
      ...(redis === undefined ? {} : { redis }),
    });
  });
}
