import type { Callback } from "@contrastive/core";

/** What {@link interruptHandler} returns. */
export interface InterruptHandler {
  /** Ctrl-C was pressed once. */
  readonly requested: boolean;
  /** The trainer callback: gives the event loop a turn after each step (so that the signal is seen) and calls `stop` on Ctrl-C. */
  callback(stop: () => void): Callback;
  /** Removes the signal listener. */
  dispose(): void;
}

/**
 * Ctrl-C (SIGINT) during training: the first asks the trainer to stop after the current step (the
 * caller then saves a checkpoint and exits with 130); a second quits at once with 130.
 */
export function interruptHandler(log: (line: string) => void): InterruptHandler {
  let requested = false;
  let stop: (() => void) | undefined;
  const onSignal = () => {
    if (requested) {
      log("second Ctrl-C: quitting without a checkpoint");
      process.exit(130);
    }
    requested = true;
    log("Ctrl-C: finishing this step, then saving a checkpoint (Ctrl-C again quits at once)");
    stop?.();
  };
  process.on("SIGINT", onSignal);
  return {
    get requested() {
      return requested;
    },
    callback(stopTraining) {
      stop = stopTraining;
      return { onStepEnd: () => new Promise<void>((resolve) => setImmediate(resolve)) };
    },
    dispose() {
      process.off("SIGINT", onSignal);
    },
  };
}
