import { loadConfig } from "../../src/config";
import { withoutFieldSuggestions } from "../../src/limits/field-suggestions";
import { MAX_STRING_ARGUMENT_CHARACTERS, stringArgumentProblem } from "../../src/limits/string-arguments";

describe("the string argument rule", () => {
  it.each([
    ["", null],
    ["ann@example.com", null],
    ["x".repeat(MAX_STRING_ARGUMENT_CHARACTERS), null],
    ["😀".repeat(MAX_STRING_ARGUMENT_CHARACTERS), null],
    ["x".repeat(MAX_STRING_ARGUMENT_CHARACTERS + 1), "is longer than 256 characters"],
    ["😀".repeat(MAX_STRING_ARGUMENT_CHARACTERS + 1), "is longer than 256 characters"],
    ["a\ud800b", "is not well-formed Unicode (it holds a lone UTF-16 surrogate)"],
    ["a\udc00", "is not well-formed Unicode (it holds a lone UTF-16 surrogate)"],
    ["\ude00\ud83d", "is not well-formed Unicode (it holds a lone UTF-16 surrogate)"],
    ["\ufffd", null],
  ])("%j: %s", (value, problem) => {
    expect(stringArgumentProblem(value)).toBe(problem);
  });
});

describe("field suggestions", () => {
  it.each([
    [
      'Cannot query field "nodez" on type "CustomerConnection". Did you mean "nodes"?',
      'Cannot query field "nodez" on type "CustomerConnection".',
    ],
    [
      'Variable "$s" got invalid value "X"; Value "X" does not exist in "CustomerState" enum. Did you mean the enum value "ACTIVE"?',
      'Variable "$s" got invalid value "X"; Value "X" does not exist in "CustomerState" enum.',
    ],
    ["Internal server error.", "Internal server error."],
  ])("%s", (message, shown) => {
    expect(withoutFieldSuggestions(message)).toBe(shown);
  });
});

describe("limit configuration", () => {
  it("has the contract's defaults", () => {
    expect(loadConfig({})).toMatchObject({
      maxTokens: 5000,
      maxDepth: 12,
      maxAliases: 100,
      maxDirectives: 50,
      maxQueryCost: 50000,
    });
  });

  it.each(["GATEWAY_MAX_TOKENS", "GATEWAY_MAX_DEPTH", "GATEWAY_MAX_ALIASES", "GATEWAY_MAX_DIRECTIVES"])(
    "%s must be an integer in range",
    (variable) => {
      expect(() => loadConfig({ [variable]: "many" })).toThrow(variable);
      expect(() => loadConfig({ [variable]: "-1" })).toThrow(variable);
    },
  );
});
