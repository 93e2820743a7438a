import type { validateRepository } from "@kubedump/api";
import { openRepositoryFromBackend } from "@kubedump/repository";

/** Opens the backend the way a backup will: reachable, repository.json readable, password right. */
export async function probeRepository(repo: ReturnType<typeof validateRepository> & { ok: true }, secret: Record<string, string>): Promise<void> {
  const repository = await openRepositoryFromBackend({ backend: repo.value.spec.backend, secret });
  await repository.listSnapshots();
}
