/** What `fn` throws (undefined when it returns): for tests that check the error's class and text. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
