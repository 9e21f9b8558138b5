import type { NextFunction, Request, RequestHandler, Response } from "express";

/**
 * Runs handlers in order as ONE router layer. Express 5's router pays path matching, parameter
 * processing and prefix trimming for every layer it passes; the GraphQL chain has a dozen steps and
 * no paths of its own, so it is walked here (measured: the router was the largest cost the edge added).
 * Errors, sync or async, go to Express's error handlers exactly as from separate layers.
 */
export function pipeline(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (error?: unknown): void => {
      if (error !== undefined && error !== null && error !== "route" && error !== "router") {
        done(error);
        return;
      }
      const handler = handlers[index++];
      if (handler === undefined) {
        done();
        return;
      }
      try {
        const result = handler(req, res, next) as unknown;
        if (result instanceof Promise) result.catch(done);
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
  };
}
