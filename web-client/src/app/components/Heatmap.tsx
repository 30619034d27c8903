import { memo, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";

/**
 * A confusion matrix as a CSS grid of focusable cells (role="grid", roving tab index, arrow keys
 * move, every cell labelled). The cells are written as one HTML string rather than one React
 * element each: Compare shows three 33 × 33 matrices, and 3 267 React elements cost more than the
 * rest of the page together. One delegated handler per grid serves them all.
 */
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
    return t >= 0 ? `rgba(37,99,235,${t.toFixed(3)})` : `rgba(220,38,38,${(-t).toFixed(3)})`;
  }
  const t = max === 0 ? 0 : value / max;
  return `rgba(30,64,175,${(0.04 + 0.96 * t).toFixed(3)})`;
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** The accessible label (and hover text) of one cell. */
export function cellLabel(
  truth: string,
  predicted: string,
  count: number,
  rowTotal: number,
  isDiverging: boolean,
): string {
  const share = rowTotal ? ((count / rowTotal) * 100).toFixed(1) : "0.0";
  const what = isDiverging ? `difference ${count > 0 ? "+" : ""}${count}` : `${count} images`;
  return `true ${truth}, predicted ${predicted}: ${what}, ${share} % of the row`;
}

/** Colours and labels of every cell, from counts (shared by the first draw and the in-place updates). */
function cellContents(props: HeatmapProps): { background: string[][]; label: string[][] } {
  const { labels, counts, isRowNormalised = false, isDiverging = false } = props;
  const rowTotals = counts.map((row) => row.reduce((a, b) => a + Math.abs(b), 0));
  const values = counts.map((row, r) =>
    row.map((c) => (isRowNormalised && rowTotals[r] ? c / rowTotals[r] : c)),
  );
  let max = 0;
  for (const row of values) for (const v of row) max = Math.max(max, Math.abs(v));
  return {
    background: values.map((row) => row.map((v) => colour(v, max, isDiverging))),
    label: counts.map((row, r) =>
      row.map((count, c) => cellLabel(labels[r], labels[c], count, rowTotals[r], isDiverging)),
    ),
  };
}

function updateCells(element: HTMLElement, props: HeatmapProps) {
  const { background, label } = cellContents(props);
  for (const cell of element.querySelectorAll<HTMLElement>("[data-cell]")) {
    const [r, c] = cell.dataset.cell!.split("-").map(Number);
    if (cell.style.background !== background[r][c]) cell.style.background = background[r][c];
    if (cell.getAttribute("aria-label") !== label[r][c]) cell.setAttribute("aria-label", label[r][c]);
  }
}

/** The grid's rows as HTML: a header row, then one row per true label. */
export function heatmapHtml(props: HeatmapProps, cellPx: number): string {
  const { labels } = props;
  const { background, label } = cellContents(props);
  const names = labels.map(escape);
  const parts: string[] = [
    '<div role="row" style="display:contents"><span role="columnheader" class="heatmap-corner">true ↓ / predicted →</span>',
  ];
  for (const name of names) {
    parts.push(`<span role="columnheader" class="heatmap-col" title="${name}"><span>${name}</span></span>`);
  }
  parts.push("</div>");
  for (let r = 0; r < labels.length; r++) {
    parts.push(
      `<div role="row" style="display:contents"><span role="rowheader" class="heatmap-rowhead" title="${names[r]}">${names[r]}</span>`,
    );
    for (let c = 0; c < labels.length; c++) {
      parts.push(
        `<span role="gridcell" data-cell="${r}-${c}" tabindex="-1" aria-label="${escape(label[r][c])}" class="heatmap-cell${r === c ? " diagonal" : ""}" style="background:${background[r][c]};height:${cellPx}px"></span>`,
      );
    }
    parts.push("</div>");
  }
  return parts.join("");
}

export const Heatmap = memo(function Heatmap(props: HeatmapProps) {
  const { labels, counts, caption, onSelect, isDiverging = false } = props;
  const n = labels.length;
  const grid = useRef<HTMLDivElement>(null);
  const focus = useRef<[number, number]>([0, 0]);
  const [hover, setHover] = useState("");
  const cellPx = Math.max(10, Math.min(40, Math.floor(560 / Math.max(1, n))));

  const drawn = useRef("");
  useLayoutEffect(() => {
    const element = grid.current!;
    const shape = JSON.stringify([labels, cellPx]);
    if (drawn.current === shape) {
      // Same labels (a live run's next epoch): recolour and relabel the cells in place; no new DOM.
      updateCells(element, props);
      return;
    }
    drawn.current = shape;
    const wasFocused = element.contains(document.activeElement);
    element.innerHTML = heatmapHtml(props, cellPx);
    const [r, c] = focus.current[0] < n && focus.current[1] < n ? focus.current : [0, 0];
    focus.current = [r, c];
    const current = element.querySelector<HTMLElement>(`[data-cell="${r}-${c}"]`);
    element.querySelector<HTMLElement>('[data-cell="0-0"]')?.setAttribute("tabindex", "-1");
    current?.setAttribute("tabindex", "0");
    if (wasFocused) current?.focus();
  }, [props.labels, props.counts, props.isRowNormalised, props.isDiverging, cellPx, n]);

  function cellOf(target: EventTarget | null): [number, number] | undefined {
    const at = (target as HTMLElement | null)?.dataset?.cell;
    if (!at) return undefined;
    const [r, c] = at.split("-").map(Number);
    return [r, c];
  }
  function describe(r: number, c: number): string {
    const total = counts[r].reduce((a, b) => a + Math.abs(b), 0);
    return cellLabel(labels[r], labels[c], counts[r][c], total, isDiverging);
  }
  function moveTo(r: number, c: number) {
    const element = grid.current!;
    element
      .querySelector<HTMLElement>(`[data-cell="${focus.current[0]}-${focus.current[1]}"]`)
      ?.setAttribute("tabindex", "-1");
    focus.current = [r, c];
    const next = element.querySelector<HTMLElement>(`[data-cell="${r}-${c}"]`);
    next?.setAttribute("tabindex", "0");
    next?.focus();
  }
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const found = cellOf(event.target);
    if (!found) return;
    const [r, c] = found;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect?.(labels[r], labels[c]);
      return;
    }
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
    moveTo(target[0], target[1]);
  }

  return (
    <figure className="heatmap">
      <figcaption>{caption}</figcaption>
      <div
        ref={grid}
        role="grid"
        aria-label={caption}
        className="heatmap-grid"
        style={{ gridTemplateColumns: `8rem repeat(${n}, ${cellPx}px)` }}
        onKeyDown={onKeyDown}
        onClick={(event) => {
          const found = cellOf(event.target);
          if (found) onSelect?.(labels[found[0]], labels[found[1]]);
        }}
        onMouseOver={(event) => {
          const found = cellOf(event.target);
          if (found) setHover(describe(found[0], found[1]));
        }}
        onFocus={(event) => {
          const found = cellOf(event.target);
          if (!found) return;
          const element = grid.current!;
          if (found[0] !== focus.current[0] || found[1] !== focus.current[1]) {
            element
              .querySelector<HTMLElement>(`[data-cell="${focus.current[0]}-${focus.current[1]}"]`)
              ?.setAttribute("tabindex", "-1");
            focus.current = found;
            (event.target as HTMLElement).setAttribute("tabindex", "0");
          }
          setHover(describe(found[0], found[1]));
        }}
      />
      <p className="heatmap-hover" aria-live="polite">
        {hover || "Hover or focus a cell (arrow keys move) to see its count and share."}
      </p>
    </figure>
  );
});
