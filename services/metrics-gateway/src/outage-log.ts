import type { Logger } from "@kubedump/service";

/**
 * Logs an outage of a dependency once when it starts and once when it ends, however many
 * operations fail in between.
 */
export class OutageLog {
  private failing = false;
  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  fail(err: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.logger.warn({ err }, `${this.what} unavailable; serving what is at hand until it answers again`);
  }

  ok(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info(`${this.what} available again`);
  }
}
