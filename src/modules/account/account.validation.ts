import isEmail from "validator/lib/isEmail";
import { positiveIdOf } from "../../lib/ids";
import { stringArgumentProblem } from "../../limits/string-arguments";
import { UserErrorCode, type UserError } from "./account.types";

/** Validation happens before any upstream call: a malformed argument is an INVALID_INPUT userError. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: UserError };

function invalid(field: string, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code: UserErrorCode.INVALID_INPUT, message, field: [field] } };
}

/**
 * The rule every string argument follows (API.md §5: at most 256 characters, well-formed Unicode), as a
 * userError: checked first, so that no later check (nor its message) sees such a value.
 */
function checkText(field: string, value: string): { ok: false; error: UserError } | null {
  const problem = stringArgumentProblem(value);
  return problem === null ? null : invalid(field, `${field} ${problem}.`);
}

export const PASSWORD_MIN = 6;
export const PASSWORD_MAX = 64;

/** The account name is an e-mail address (vendor: "the account e-mail"). */
export function checkUserName(userName: string): Checked<string> {
  const text = checkText("userName", userName);
  if (text) return text;
  const value = userName.trim();
  if (value === "") return invalid("userName", "userName must not be empty.");
  if (value.length > 254 || !isEmail(value, { allow_utf8_local_part: false })) {
    return invalid("userName", `userName must be an e-mail address, got "${value}".`);
  }
  return { ok: true, value };
}

/** A customerId: a positive decimal integer (may exceed 2^53). */
export function checkCustomerId(customerId: string): Checked<string> {
  const text = checkText("customerId", customerId);
  if (text) return text;
  const canonical = positiveIdOf(customerId);
  if (canonical === null) {
    return invalid("customerId", `customerId must be a positive decimal integer, got "${customerId}".`);
  }
  return { ok: true, value: canonical };
}

/**
 * A proxy password travels in a query string and is typed into proxy clients: printable ASCII without
 * spaces, 6 to 64 characters. The message never repeats the password.
 */
export function checkPassword(password: string): Checked<string> {
  const text = checkText("password", password);
  if (text) return text;
  if (password.length === 0) return invalid("password", "password must not be empty.");
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    return invalid("password", `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`);
  }
  if (!/^[\x21-\x7e]+$/.test(password)) {
    return invalid("password", "password may contain only printable ASCII characters without spaces.");
  }
  return { ok: true, value: password };
}
