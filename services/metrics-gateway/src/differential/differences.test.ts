import { DIFFERENCE_CASES } from "./cases-differences.js";
import { differentialCases } from "./suite.js";

// Every case sends the same requests to kubedump's gateway and to Prometheus's Pushgateway v1.11.3
// and asserts each gateway's answer where docs/metrics.md says kubedump's deliberately differs.
differentialCases(DIFFERENCE_CASES);
