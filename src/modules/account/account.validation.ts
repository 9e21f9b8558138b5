import isEmail from "validator/lib/isEmail";
import { positiveIdOf } from "../../lib/ids";
import { UserErrorCode, type UserError } from "./account.types";

/** Validation happens before any upstream call: a malformed argument is an INVALID_INPUT userError. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: UserError };

function invalid(field: string, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code: UserErrorCode.INVALID_INPUT, message, field: [field] } };
}

export const PASSWORD_MIN = 6;
export const PASSWORD_MAX = 64;

/** The account name is an e-mail address (vendor: "the account e-mail"). */
export function checkUserName(userName: string): Checked<string> {
  const value = userName.trim();
  if (value === "") return invalid("userName", "userName must not be empty.");
  if (value.length > 254 || !isEmail(value, { allow_utf8_local_part: false })) {
    return invalid("userName", `userName must be an e-mail address, got "${value}".`);
  }
  return { ok: true, value };
}

/** A customerId: a positive decimal integer (may exceed 2^53). */
export function checkCustomerId(customerId: string): Checked<string> {
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
  if (password.length === 0) return invalid("password", "password must not be empty.");
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    return invalid("password", `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`);
  }
  if (!/^[\x21-\x7e]+$/.test(password)) {
    return invalid("password", "password may contain only printable ASCII characters without spaces.");
  }
  return { ok: true, value: password };
}
