import { BadUserInputError } from "../errors/errors";

/**
 * A request refused by a limit before execution: BAD_USER_INPUT with HTTP 400. Apollo answers an error
 * thrown before execution with 500 unless `extensions.http` says otherwise; formatError drops `http`
 * from what the client sees.
 */
export function refusal(message: string, argument?: string): BadUserInputError {
  const error = new BadUserInputError(message, argument);
  Object.assign(error.extensions, { http: { status: 400 } });
  return error;
}
