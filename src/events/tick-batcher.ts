/**
 * Coalesces concurrent calls into one batch per event-loop tick: every item submitted before the
 * next `setImmediate` joins one batch, handed to `run` as a whole. While `maxInFlight` batches are
 * running, new items wait and leave together when one finishes, so under load batches grow by
 * themselves and the number of database round trips stays flat, while a lone request waits no
 * longer than one turn of the event loop.
 *
 * Nothing is kept between batches: each item's answer comes from its own batch's run.
 */
export interface TickBatcherOptions<I> {
  /** Most items in one batch. */
  maxItems: number;
  /** Batches running at once. */
  maxInFlight: number;
  /** An item's weight (e.g. bytes) and the most weight one batch takes; a heavier item goes alone. */
  weigh?: (item: I) => number;
  maxWeight?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class TickBatcher<I, O> {
  private pending: Array<Waiting<I, O>> = [];
  private scheduled = false;
  private inFlight = 0;

  /**
   * `run` answers each item of the batch in order, with its result or an Error for that item
   * alone; a rejected `run` fails every item of the batch.
   */
  constructor(
    private readonly run: (items: I[]) => Promise<Array<O | Error>>,
    private readonly options: TickBatcherOptions<I>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.take();
      this.inFlight += 1;
      let outcome: Promise<Array<O | Error>>;
      try {
        outcome = this.run(batch.map((waiting) => waiting.item));
      } catch (error) {
        outcome = Promise.reject(error);
      }
      outcome
        .then(
          (results) => {
            batch.forEach((waiting, index) => {
              const result = results[index];
              if (result instanceof Error) waiting.reject(result);
              else waiting.resolve(result);
            });
          },
          (error: unknown) => {
            for (const waiting of batch) waiting.reject(error);
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          if (this.pending.length > 0) this.schedule();
        });
    }
  }

  private take(): Array<Waiting<I, O>> {
    const { maxItems, weigh, maxWeight } = this.options;
    if (!weigh || maxWeight === undefined) return this.pending.splice(0, maxItems);
    let count = 0;
    let weight = 0;
    while (count < this.pending.length && count < maxItems) {
      const next = weigh(this.pending[count].item);
      if (count > 0 && weight + next > maxWeight) break;
      weight += next;
      count += 1;
    }
    return this.pending.splice(0, count);
  }
}
