import { Injectable } from '@nestjs/common';

/**
 * Tells in-process listeners (the delivery fan-out) that new event rows have just committed, so
 * they look at once instead of at their next poll. Nothing waits on a listener: the ingest path
 * only calls them, and they only schedule work. Other instances find the rows by polling.
 */
@Injectable()
export class NewEventsNotifier {
  private readonly listeners = new Set<() => void>();

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}
