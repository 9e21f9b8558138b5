/**
 * Decoding cost of one full upstream page (issue 8 §3 "Decoding"): the lossless parse the clients use,
 * the whole decode of the page (parse, envelope, records), and `JSON.parse` on the same text, which
 * rounds numbers and is the floor. In this process, without HTTP: it measures CPU time per page only.
 */
import { performance } from "node:perf_hooks";
import { parseJsonLossless } from "../../src/lib/json";
import { generateDataset } from "../../src/simulators";
import { agentListText } from "../../src/simulators/agent";
import { bridgePageText } from "../../src/simulators/bridge";
import { decodeListData, readEnvelope as readAgentEnvelope } from "../../src/upstreams/agent/decode";
import { decodePageData, readEnvelope as readBridgeEnvelope } from "../../src/upstreams/bridge/decode";

/** Target of issue 8: the lossless parse costs at most this many times `JSON.parse` on the same text. */
export const DECODE_RATIO_TARGET = 3;
/** Target of issue 8: no synchronous stretch over this many ms (one page's decode is one stretch). */
export const DECODE_STALL_TARGET_MS = 20;

export interface DecodeOptions {
  /** Records per page: 2000 is the Bridge page maximum. */
  records: number;
  /** Timed runs per figure (after warm-up); medians are reported. */
  runs: number;
}

export const DEFAULT_DECODE_OPTIONS: DecodeOptions = { records: 2000, runs: 21 };

export interface PageDecodeFigures {
  page: string;
  records: number;
  bytes: number;
  /** Medians over the runs, ms. */
  jsonParseMs: number;
  losslessParseMs: number;
  /** Lossless parse plus the envelope and every record decoded, as the client does. */
  decodeMs: number;
  /** Longest single full decode seen, ms: one synchronous stretch of the event loop. */
  decodeMaxMs: number;
  /** losslessParseMs / jsonParseMs. */
  ratio: number;
}

export interface DecodeReport {
  options: DecodeOptions;
  pages: PageDecodeFigures[];
}

/** The middle of the finite values (the upper middle of an even count); NaN when there are none. */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function measure(
  page: string,
  records: number,
  text: string,
  decode: (text: string) => unknown,
  runs: number,
) {
  // Warm-up: every path optimised before it is timed.
  for (let i = 0; i < 5; i++) {
    JSON.parse(text);
    decode(text);
  }
  const plain: number[] = [];
  const lossless: number[] = [];
  const full: number[] = [];
  // Interleaved, so that a burst of other work on the machine hits all three alike.
  for (let i = 0; i < runs; i++) {
    plain.push(time(() => JSON.parse(text)));
    lossless.push(time(() => parseJsonLossless(text)));
    full.push(time(() => decode(text)));
  }
  const jsonParseMs = median(plain);
  const losslessParseMs = median(lossless);
  return {
    page,
    records,
    bytes: Buffer.byteLength(text),
    jsonParseMs,
    losslessParseMs,
    decodeMs: median(full),
    decodeMaxMs: Math.max(...full),
    ratio: losslessParseMs / jsonParseMs,
  };
}

export function runDecodeBench(partial: Partial<DecodeOptions> = {}): DecodeReport {
  const options = { ...DEFAULT_DECODE_OPTIONS, ...partial };
  const dataset = generateDataset({ agentCustomers: options.records, bridgeProfiles: options.records });
  const bridgeText = bridgePageText(dataset.bridgeRecords.slice(0, options.records), {
    current: 1,
    size: options.records,
    total: 10_000,
    tm: 1_766_000_000_000,
    trace: "bench-decode",
  });
  const agentText = agentListText(dataset.agentCustomers.slice(0, options.records), 10_000);
  return {
    options,
    pages: [
      measure(
        "Bridge customer page",
        options.records,
        bridgeText,
        (text) => decodePageData(readBridgeEnvelope(parseJsonLossless(text)).data),
        options.runs,
      ),
      measure(
        "Agent list page",
        options.records,
        agentText,
        (text) => decodeListData(readAgentEnvelope(parseJsonLossless(text)).body.data),
        options.runs,
      ),
    ],
  };
}

export function renderDecodeMarkdown(report: DecodeReport): string {
  const lines = [
    "## Decoding (one full page, in process)",
    "",
    `Median of ${report.options.runs} interleaved runs after warm-up. Lossless parse = \`parseJsonLossless\`; ` +
      "full decode = parse + envelope + every record, as the clients do.",
    "",
    "| Page | Records | KB | JSON.parse ms | Lossless parse ms | Ratio (target ≤ 3×) | Full decode ms | Longest full decode ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const p of report.pages) {
    lines.push(
      `| ${p.page} | ${p.records} | ${(p.bytes / 1024).toFixed(0)} | ${p.jsonParseMs.toFixed(2)} | ` +
        `${p.losslessParseMs.toFixed(2)} | ${p.ratio.toFixed(2)}× | ${p.decodeMs.toFixed(2)} | ${p.decodeMaxMs.toFixed(2)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
