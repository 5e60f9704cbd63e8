// Cluster mempool arithmetic (Core 31): clusters are connected components of the mempool's
// parent/child graph; each is linearized (parents before children, best feerate first) and cut
// into chunks, the groups mined together. Used for getmempoolentry's chunk fields, block
// selection and the RBF feerate-diagram check.
//
// Linearization here is the ancestor-set greedy one (repeatedly take the remaining tx whose
// remaining ancestor set has the highest feerate), which is optimal for the shapes real wallets
// make (chains, fan-outs, CPFP); Core searches for the optimal linearization of any cluster.

export interface ClusterTx {
  readonly fee: number;
  readonly weight: number;
  /** Indices (into the same array) of in-cluster parents. */
  readonly parents: readonly number[];
}

export interface Chunk {
  fee: number;
  weight: number;
  /** Indices into the cluster array, in linearization order. */
  readonly txs: number[];
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** Sign of fa/wa - fb/wb (weights > 0), exact. */
export function compareFeerate(fa: number, wa: number, fb: number, wb: number): number {
  const x = fa * wb;
  const y = fb * wa;
  if (Math.abs(x) < SAFE && Math.abs(y) < SAFE) return x === y ? 0 : x > y ? 1 : -1;
  const bx = BigInt(fa) * BigInt(wb);
  const by = BigInt(fb) * BigInt(wa);
  return bx === by ? 0 : bx > by ? 1 : -1;
}

/** A linearization: every index once, parents before children. */
export function linearize(txs: readonly ClusterTx[]): number[] {
  const n = txs.length;
  if (n === 1) return [0];
  // Topological positions (inputs are usually already topological; be safe).
  const topo = topoOrder(txs);
  const rank = new Array<number>(n);
  topo.forEach((t, i) => (rank[t] = i));
  // Full ancestor sets (including self), as index lists.
  const anc: number[][] = new Array(n);
  for (const t of topo) {
    const set = new Set<number>([t]);
    for (const p of txs[t]!.parents) for (const a of anc[p]!) set.add(a);
    anc[t] = [...set];
  }
  const removed = new Uint8Array(n);
  const ancFee = new Array<number>(n);
  const ancWeight = new Array<number>(n);
  for (let t = 0; t < n; t++) {
    let f = 0;
    let w = 0;
    for (const a of anc[t]!) {
      f += txs[a]!.fee;
      w += txs[a]!.weight;
    }
    ancFee[t] = f;
    ancWeight[t] = w;
  }
  // Who has each tx as an ancestor, to update the remaining sums when it leaves.
  const desc: number[][] = Array.from({ length: n }, () => []);
  for (let t = 0; t < n; t++) for (const a of anc[t]!) desc[a]!.push(t);
  const out: number[] = [];
  while (out.length < n) {
    let best = -1;
    for (let t = 0; t < n; t++) {
      if (removed[t]) continue;
      if (best < 0) {
        best = t;
        continue;
      }
      const c = compareFeerate(ancFee[t]!, ancWeight[t]!, ancFee[best]!, ancWeight[best]!);
      if (c > 0 || (c === 0 && (ancWeight[t]! < ancWeight[best]! || (ancWeight[t] === ancWeight[best] && rank[t]! < rank[best]!)))) best = t;
    }
    const take = anc[best]!.filter((a) => !removed[a]).sort((a, b) => rank[a]! - rank[b]!);
    for (const a of take) {
      removed[a] = 1;
      out.push(a);
      for (const d of desc[a]!) {
        if (removed[d]) continue;
        ancFee[d]! -= txs[a]!.fee;
        ancWeight[d]! -= txs[a]!.weight;
      }
    }
  }
  return out;
}

function topoOrder(txs: readonly ClusterTx[]): number[] {
  const n = txs.length;
  const state = new Uint8Array(n);
  const out: number[] = [];
  for (let s = 0; s < n; s++) {
    if (state[s]) continue;
    const stack: Array<[number, number]> = [[s, 0]];
    state[s] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const parents = txs[top[0]]!.parents;
      if (top[1] < parents.length) {
        const p = parents[top[1]++]!;
        if (!state[p]) {
          state[p] = 1;
          stack.push([p, 0]);
        }
      } else {
        stack.pop();
        out.push(top[0]);
      }
    }
  }
  return out;
}

/** Cuts a linearization into chunks: a later segment paying strictly more merges into the one before. */
export function chunkLinearization(txs: readonly ClusterTx[], order: readonly number[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (const t of order) {
    let cur: Chunk = { fee: txs[t]!.fee, weight: txs[t]!.weight, txs: [t] };
    while (chunks.length > 0) {
      const prev = chunks[chunks.length - 1]!;
      if (compareFeerate(cur.fee, cur.weight, prev.fee, prev.weight) <= 0) break;
      chunks.pop();
      cur = { fee: prev.fee + cur.fee, weight: prev.weight + cur.weight, txs: [...prev.txs, ...cur.txs] };
    }
    chunks.push(cur);
  }
  return chunks;
}

export function chunkCluster(txs: readonly ClusterTx[]): Chunk[] {
  return chunkLinearization(txs, linearize(txs));
}

/**
 * CompareChunks on feerate diagrams (each a list of chunks of any clusters): 1 when `a` is at
 * least `b` everywhere and better somewhere, 0 when equal, -1 when worse, NaN when they cross.
 */
export function compareDiagrams(a: readonly { fee: number; weight: number }[], b: readonly { fee: number; weight: number }[]): number {
  const pa = diagramPoints(a);
  const pb = diagramPoints(b);
  let better = false;
  let worse = false;
  const check = (pts: Array<[bigint, bigint]>, other: Array<[bigint, bigint]>, sign: number): void => {
    for (const [x, f] of pts) {
      const c = compareAt(other, x, f); // sign of f - other(x)
      if (c * sign > 0) better = true;
      else if (c * sign < 0) worse = true;
    }
  };
  check(pa, pb, 1);
  check(pb, pa, -1);
  if (better && worse) return NaN;
  return better ? 1 : worse ? -1 : 0;
}

function diagramPoints(chunks: readonly { fee: number; weight: number }[]): Array<[bigint, bigint]> {
  const sorted = [...chunks].sort((x, y) => compareFeerate(y.fee, y.weight, x.fee, x.weight));
  const pts: Array<[bigint, bigint]> = [[0n, 0n]];
  let x = 0n;
  let f = 0n;
  for (const c of sorted) {
    x += BigInt(c.weight);
    f += BigInt(c.fee);
    pts.push([x, f]);
  }
  return pts;
}

/** Sign of f - D(x), D the piecewise-linear diagram through `pts` (flat after its end). */
function compareAt(pts: Array<[bigint, bigint]>, x: bigint, f: bigint): number {
  const last = pts[pts.length - 1]!;
  if (x >= last[0]) return f === last[1] ? 0 : f > last[1] ? 1 : -1;
  for (let i = 1; i < pts.length; i++) {
    const [x1, f1] = pts[i]!;
    if (x > x1) continue;
    const [x0, f0] = pts[i - 1]!;
    // D(x) = f0 + (f1 - f0) * (x - x0) / (x1 - x0); compare f * dx with f0 * dx + (f1 - f0) * (x - x0).
    const dx = x1 - x0;
    const lhs = f * dx;
    const rhs = f0 * dx + (f1 - f0) * (x - x0);
    return lhs === rhs ? 0 : lhs > rhs ? 1 : -1;
  }
  return 0;
}
