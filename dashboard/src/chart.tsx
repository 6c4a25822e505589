import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

/** One time series as a uPlot line chart (timestamps in ISO, values may be null). */
export function TimeChart({
  label,
  points,
  field,
}: {
  label: string;
  points: ReadonlyArray<Record<string, number | string | null>>;
  field: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = points.map((p) => Date.parse(String(p.timestamp)) / 1000);
    const ys = points.map((p) => (typeof p[field] === "number" ? (p[field] as number) : null));
    const plot = new uPlot(
      {
        width: Math.max(240, el.clientWidth),
        height: 160,
        legend: { show: false },
        series: [{}, { label, stroke: "#3366cc", width: 2, fill: "rgba(51,102,204,0.08)" }],
        axes: [{}, { size: 56 }],
      },
      [xs, ys],
      el,
    );
    return () => plot.destroy();
  }, [points, field, label]);
  return (
    <figure class="chart">
      <figcaption>{label}</figcaption>
      <div ref={box} role="img" aria-label={`${label} over time`} />
    </figure>
  );
}
