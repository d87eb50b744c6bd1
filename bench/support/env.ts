/** A number from the environment, or `fallback` when it is unset, empty or not a number. */
export function num(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return process.env[name] && Number.isFinite(v) ? v : fallback;
}

/** As num, but zero and negative values count as unset too (a count or a time limit). */
export function positiveNum(name: string, fallback: number): number {
  const v = num(name, fallback);
  return v > 0 ? v : fallback;
}
