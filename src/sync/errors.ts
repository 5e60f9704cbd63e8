// Errors the syncer cannot recover from by retrying: the operator has to act.

/** Stops `anode sync` with a message meant for the operator (wrong network, reorg too deep ...). */
export class SyncFatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncFatalError';
  }
}
