/**
 * The turn of the event loop, for budgets "so much per connection per turn" (input-slices.ts, the topic
 * hub's replays): a number that changes once per turn in which anyone asked for it, counted by one
 * setImmediate per such turn for the whole process.
 */
let turnCount = 0;
let counting = false;

function nextTurn(): void {
  counting = false;
  turnCount++;
}

/** The current turn's number; the next turn has another. */
export function currentTurn(): number {
  if (!counting) {
    counting = true;
    setImmediate(nextTurn);
  }
  return turnCount;
}
