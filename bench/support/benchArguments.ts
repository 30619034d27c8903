/** Readers of a benchmark's `--name value` arguments. */
export interface BenchArguments {
  /** The value after `--name`, or undefined when absent. */
  value(name: string): string | undefined;
  /** `--name` as a non-negative integer, `fallback` when absent; throws on anything else. */
  int(name: string, fallback: number | undefined): number | undefined;
  /** Whether the bare flag `--name` is given. */
  flag(name: string): boolean;
  /** `--name head` (any case) as "HEAD", else as {@link BenchArguments.int}: a `trainableLayers` value. */
  layers(name: string): "HEAD" | number | undefined;
}

/** Reads `argv` (the arguments after the script) as `--name value` pairs and bare flags. */
export function benchArguments(argv: readonly string[]): BenchArguments {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const int = (name: string, fallback: number | undefined): number | undefined => {
    const text = value(name);
    if (text === undefined) return fallback;
    const parsed = Number(text);
    if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer`);
    return parsed;
  };
  return {
    value,
    int,
    flag: (name) => argv.includes(`--${name}`),
    layers: (name) => (value(name)?.toUpperCase() === "HEAD" ? "HEAD" : int(name, undefined)),
  };
}
