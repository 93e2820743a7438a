import type { TestEnvInfo } from "@kubedump/testenv";

declare module "vitest" {
  export interface ProvidedContext {
    testenv: TestEnvInfo;
  }
}
