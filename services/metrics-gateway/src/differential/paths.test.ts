import { PATH_CASES } from "./cases-paths.js";
import { differentialCases } from "./suite.js";

// Every case sends the same requests to kubedump's gateway and to Prometheus's Pushgateway v1.11.3.
differentialCases(PATH_CASES);
