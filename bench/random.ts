/** Seeded draws for simulation tests and benchmarks: the same populations on every run. */
export interface Random {
  uniform(): number;
  normal(): number;
  bernoulli(p: number): boolean;
  logNormal(mu: number, sigma: number): number;
}

/** mulberry32 uniforms, Box–Muller normals. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  let spare: number | undefined;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u = uniform();
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return {
    uniform,
    normal,
    bernoulli: (p) => uniform() < p,
    logNormal: (mu, sigma) => Math.exp(mu + sigma * normal()),
  };
}
