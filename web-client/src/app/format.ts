/** Display helpers: numbers, percentages, durations, dates. */
export const pct = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined || Number.isNaN(value) ? "—" : `${(value * 100).toFixed(digits)} %`;

export const num = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined ? "—" : value.toFixed(digits);

export function duration(fromIso: string | null | undefined, toIso?: string | null): string {
  if (!fromIso) return "—";
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  if (!(ms >= 0)) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const date = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : "—");

/** The distinguishing end of an id (LogoLab's ids are time-ordered: their starts repeat). */
export const shortId = (id: string) => id.replace(/-/g, "").slice(-8);

/** A compact local time: "12-02 05:57". */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Exponential moving average (smoothing 0 = raw). */
export function ema(values: readonly (number | null)[], smoothing: number): (number | null)[] {
  let last: number | null = null;
  return values.map((v) => {
    if (v === null) return null;
    last = last === null ? v : smoothing * last + (1 - smoothing) * v;
    return last;
  });
}
