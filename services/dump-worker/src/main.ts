// V8's JIT settings go in before any other code of the worker loads: changed while V8's background
// thread optimizes a function, they can fail one of its checks and kill the process (the CLI's bin
// does the same). Static imports run before a module's body, so the service is a dynamic import.
import { tuneV8ForDumps } from "@kubedump/dump/v8-tuning";

tuneV8ForDumps();
await import("./start.js");
