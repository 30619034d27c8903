import { useEffect, useRef } from "react";
import uPlot, { type AlignedData, type Options } from "uplot";
import "uplot/dist/uPlot.min.css";

/** One line of a chart. */
export interface Line {
  label: string;
  stroke: string;
  width?: number;
  dash?: number[];
}

/** The handle a page keeps to feed a chart without re-rendering React. */
export interface ChartFeed {
  /** Replaces the data; drawn on the next animation frame (many calls per frame draw once). */
  set(data: AlignedData): void;
}

export interface LineChartProps {
  title: string;
  lines: Line[];
  xLabel: string;
  isLogScale?: boolean;
  isTime?: boolean;
  height?: number;
  initial: AlignedData;
  onReady?: (feed: ChartFeed) => void;
}

/** A uPlot chart (canvas) whose data is fed through `onReady`'s handle, batched per frame. */
export function LineChart({
  title,
  lines,
  xLabel,
  isLogScale,
  isTime,
  height = 260,
  initial,
  onReady,
}: LineChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const initialRef = useRef(initial);
  initialRef.current = initial;
  const key = JSON.stringify([lines, xLabel, isLogScale, isTime, height]);
  useEffect(() => {
    const element = host.current!;
    const options: Options = {
      width: Math.max(320, element.clientWidth || 600),
      height,
      title,
      scales: { x: { time: Boolean(isTime) }, y: isLogScale ? { distr: 3 } : {} },
      // Whole epochs on an epoch axis; the legend names the lines (values show on hover in the cursor).
      axes: [isTime ? { label: xLabel } : { label: xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] }, {}],
      legend: { show: true, live: false },
      series: [
        { label: xLabel },
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.stroke,
          width: l.width ?? 2,
          dash: l.dash,
          spanGaps: true,
        })),
      ],
    };
    let pending: AlignedData | null = null;
    let frame = 0;
    const chart = new uPlot(options, initialRef.current, element);
    element.dataset.points = String(initialRef.current[0]?.length ?? 0);
    const feed: ChartFeed = {
      set(data) {
        pending = data;
        if (frame) return;
        frame = requestAnimationFrame(() => {
          frame = 0;
          if (!pending) return;
          chart.setData(pending);
          element.dataset.points = String(pending[0]?.length ?? 0);
          pending = null;
        });
      },
    };
    onReady?.(feed);
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(320, element.clientWidth), height }),
    );
    resize.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      chart.destroy();
    };
  }, [key]);
  return <div className="chart" ref={host} role="img" aria-label={`${title} chart`} />;
}
