import { memo, useRef, useState, type KeyboardEvent } from "react";

/** A confusion matrix as a CSS grid of focusable cells (roving tab index, arrow keys move). */
export interface HeatmapProps {
  labels: readonly string[];
  counts: readonly (readonly number[])[];
  /** Colour by the row's share (recall view) instead of the count. */
  isRowNormalised?: boolean;
  /** Diverging colours around 0 (a difference A − B). */
  isDiverging?: boolean;
  caption: string;
  onSelect?: (truth: string, predicted: string) => void;
}

function colour(value: number, max: number, isDiverging: boolean): string {
  if (isDiverging) {
    const t = max === 0 ? 0 : Math.max(-1, Math.min(1, value / max));
    return t >= 0 ? `rgba(37, 99, 235, ${t.toFixed(3)})` : `rgba(220, 38, 38, ${(-t).toFixed(3)})`;
  }
  const t = max === 0 ? 0 : value / max;
  return `rgba(30, 64, 175, ${(0.04 + 0.96 * t).toFixed(3)})`;
}

export const Heatmap = memo(function Heatmap(props: HeatmapProps) {
  const { labels, counts, isRowNormalised = false, isDiverging = false, caption, onSelect } = props;
  const n = labels.length;
  const [focus, setFocus] = useState<[number, number]>([0, 0]);
  const [hover, setHover] = useState<string>("");
  const grid = useRef<HTMLDivElement>(null);
  const rowTotals = counts.map((row) => row.reduce((a, b) => a + Math.abs(b), 0));
  const values = counts.map((row, r) =>
    row.map((c) => (isRowNormalised && rowTotals[r] ? c / rowTotals[r] : c)),
  );
  const max = Math.max(0, ...values.flat().map(Math.abs));

  function label(r: number, c: number): string {
    const count = counts[r][c];
    const share = rowTotals[r] ? ((count / rowTotals[r]) * 100).toFixed(1) : "0.0";
    const what = isDiverging ? `difference ${count > 0 ? "+" : ""}${count}` : `${count} images`;
    return `true ${labels[r]}, predicted ${labels[c]}: ${what}, ${share} % of the row`;
  }

  function move(event: KeyboardEvent<HTMLDivElement>) {
    const [r, c] = focus;
    const next: Record<string, [number, number]> = {
      ArrowUp: [Math.max(0, r - 1), c],
      ArrowDown: [Math.min(n - 1, r + 1), c],
      ArrowLeft: [r, Math.max(0, c - 1)],
      ArrowRight: [r, Math.min(n - 1, c + 1)],
      Home: [r, 0],
      End: [r, n - 1],
    };
    const target = next[event.key];
    if (!target) return;
    event.preventDefault();
    setFocus(target);
    grid.current?.querySelector<HTMLElement>(`[data-cell="${target[0]}-${target[1]}"]`)?.focus();
  }

  // One handler per grid (event delegation), not four per cell: 33 × 33 cells × 3 matrices on Compare.
  function cellOf(target: EventTarget | null): [number, number] | undefined {
    const at = (target as HTMLElement | null)?.dataset?.cell;
    if (!at) return undefined;
    const [r, c] = at.split("-").map(Number);
    return [r, c];
  }
  function choose(target: EventTarget | null) {
    const found = cellOf(target);
    if (found) onSelect?.(labels[found[0]], labels[found[1]]);
  }

  const cell = Math.max(10, Math.min(40, Math.floor(560 / Math.max(1, n))));
  return (
    <figure className="heatmap">
      <figcaption>{caption}</figcaption>
      <div
        ref={grid}
        role="grid"
        aria-label={caption}
        className="heatmap-grid"
        onKeyDown={(event) => {
          if ((event.key === "Enter" || event.key === " ") && cellOf(event.target)) {
            event.preventDefault();
            choose(event.target);
            return;
          }
          move(event);
        }}
        onClick={(event) => choose(event.target)}
        onMouseOver={(event) => {
          const found = cellOf(event.target);
          if (found) setHover(label(found[0], found[1]));
        }}
        onFocus={(event) => {
          const found = cellOf(event.target);
          if (!found) return;
          setFocus(found);
          setHover(label(found[0], found[1]));
        }}
        style={{ gridTemplateColumns: `8rem repeat(${n}, ${cell}px)`, gridAutoRows: "auto" }}
      >
        <div role="row" style={{ display: "contents" }}>
          <span role="columnheader" className="heatmap-corner">
            true ↓ / predicted →
          </span>
          {labels.map((l) => (
            <span role="columnheader" key={l} className="heatmap-col" title={l}>
              <span>{l}</span>
            </span>
          ))}
        </div>
        {labels.map((truth, r) => (
          <div role="row" key={truth} style={{ display: "contents" }}>
            <span role="rowheader" className="heatmap-rowhead" title={truth}>
              {truth}
            </span>
            {labels.map((predicted, c) => (
              <span
                role="gridcell"
                key={predicted}
                data-cell={`${r}-${c}`}
                tabIndex={focus[0] === r && focus[1] === c ? 0 : -1}
                aria-label={label(r, c)}
                className={r === c ? "heatmap-cell diagonal" : "heatmap-cell"}
                style={{ background: colour(values[r][c], max, isDiverging), height: cell }}
              />
            ))}
          </div>
        ))}
      </div>
      <p className="heatmap-hover" aria-live="polite">
        {hover || "Hover or focus a cell (arrow keys move) to see its count and share."}
      </p>
    </figure>
  );
});
