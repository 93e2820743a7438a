import { PROTOBUF_CASES } from "./cases-protobuf.js";
import { TRANSPORT_CASES } from "./cases-transport.js";
import { differentialCases } from "./suite.js";

// Every case sends the same requests to kubedump's gateway and to Prometheus's Pushgateway v1.11.3.
differentialCases([...TRANSPORT_CASES, ...PROTOBUF_CASES]);
