import type { Queue, VerifyJob } from "@kubedump/queue";
import { kubeHttp, type TestEnvInfo } from "@kubedump/testenv";
import { crUrl, getObj, type Obj, waitFor } from "../../../test/e2e/harness.js";

/**
 * Runs verify jobs on Repository `repo` of `ns` as the job scheduler adds them: each call sets
 * spec.verify.readData, adds one job with its own id and resolves with how it ended (its return
 * value, or `failed: <reason>`) and the Repository afterwards.
 */
export function verifyJobRunner(t: TestEnvInfo, ns: string, queue: Queue<VerifyJob>) {
  let jobs = 0;
  return async (readData: number): Promise<{ result: string; repo: Obj }> => {
    const res = await kubeHttp(t, crUrl("repositories", ns, "repo"), {
      method: "PATCH",
      body: { spec: { verify: { schedule: "0 4 * * 0", readData } } },
      contentType: "application/merge-patch+json",
    });
    if (res.status !== 200) throw new Error(`setting spec.verify: ${res.status} ${res.text}`);
    const id = `repeat:${ns}/repo:${++jobs}`;
    await queue.add("verify", { namespace: ns, name: "repo" }, { jobId: id, attempts: 1 });
    const job = await waitFor(`verify job ${id} to finish`, async () => {
      const j = await queue.getJob(id);
      return j?.finishedOn ? j : undefined;
    });
    const repo = (await getObj(t, crUrl("repositories", ns, "repo"))) as Obj;
    return { result: job.returnvalue ?? `failed: ${job.failedReason}`, repo };
  };
}
