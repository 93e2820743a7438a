// Delimited protobuf pushes (`Content-Type: application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited`), e.g. from the Go client.
// One row per case, in the shape of case-table.ts (bodies are the encoded bytes, a Uint8Array);
// transport.test.ts runs them.
import type { DiffCase } from "./case-table.js";

export const PROTOBUF_CASES: DiffCase[] = [];
