/** A missing prerequisite: the demo prints only the message (one line saying what to do) and exits 1. */
export class SetupError extends Error {
  override name = "SetupError";
}
