// The scripts a block touches, each with the tx numbers of its transactions that fund or spend
// it: what a commit tells the server so it can extend statuses without reading the index.

/** Records that `script` has history entry `txNum`. */
export function addTouched(touched: Map<string, number[]>, script: string, txNum: number): void {
  const list = touched.get(script);
  if (list === undefined) touched.set(script, [txNum]);
  else list.push(txNum);
}

/** Puts each script's tx numbers in chain order (the writer records spends after outputs). */
export function sortTouched(touched: Map<string, number[]>): Map<string, number[]> {
  for (const list of touched.values()) {
    if (list.length > 1) list.sort((a, b) => a - b);
  }
  return touched;
}
