// V8's JIT settings go in before any other code of the worker loads: changed while V8's background
// thread optimizes a function, they can fail one of its checks and kill the process (the CLI's bin
// does the same). Static imports run before a module's body, so the service is a dynamic import.
import { tuneV8ForDumps } from "@kubedump/dump/v8-tuning";
import { tuneV8ForRestores } from "@kubedump/restore/v8-tuning";

tuneV8ForDumps();
// The worker also runs restores, which hold a snapshot's index: a smaller heap growth step.
tuneV8ForRestores();
await import("./start.js");
