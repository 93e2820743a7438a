// Hand-made SVG charts: one series of points over time, drawn with classes (colours live in the CSS,
// the CSP forbids style attributes). Each point carries a <title> for the pointer and screen readers.
import { el, svg } from "./dom.js";

export interface Point {
  /** Time in ms since the epoch. */
  x: number;
  y: number;
  /** What the point is, e.g. a snapshot id. */
  label: string;
}

export interface ChartOptions {
  title: string;
  points: Point[];
  /** How a y value reads, e.g. bytes. */
  format: (y: number) => string;
  /** A CSS class for the series' colour. */
  series: string;
}

const W = 640;
const H = 200;
const PAD = { left: 72, right: 16, top: 16, bottom: 32 };

function scale(values: number[], from: number, to: number): (v: number) => number {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  return (v) => from + ((v - min) / span) * (to - from);
}

function axisLabel(x: number, y: number, text: string, anchor: "start" | "middle" | "end"): SVGTextElement {
  return svg("text", { x, y, class: "chart-label", "text-anchor": anchor }, text);
}

/** A line chart of `points` (sorted by x), in a figure with a caption. */
export function lineChart(opts: ChartOptions): HTMLElement {
  const pts = [...opts.points].sort((a, b) => a.x - b.x);
  const figure = el("figure", { class: "chart" }, el("figcaption", {}, opts.title));
  if (pts.length === 0) {
    figure.appendChild(el("p", {}, "Nothing to draw yet."));
    return figure;
  }
  const ys = [0, ...pts.map((p) => p.y)];
  const sx =
    pts.length === 1
      ? () => (PAD.left + W - PAD.right) / 2
      : scale(
          pts.map((p) => p.x),
          PAD.left,
          W - PAD.right,
        );
  const sy = scale(ys, H - PAD.bottom, PAD.top);
  const maxY = Math.max(...ys);
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  const summary = `${opts.title}: ${pts.length} points from ${new Date(first.x).toISOString()} to ${new Date(last.x).toISOString()}, highest ${opts.format(maxY)}`;
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, class: "chart-svg", role: "img", "aria-label": summary },
    svg("title", {}, summary),
    svg("line", { x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom, class: "chart-axis" }),
    svg("line", { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom, class: "chart-axis" }),
    axisLabel(PAD.left - 6, PAD.top + 4, opts.format(maxY), "end"),
    axisLabel(PAD.left - 6, H - PAD.bottom, opts.format(0), "end"),
    axisLabel(PAD.left, H - 8, new Date(first.x).toISOString().slice(0, 16).replace("T", " "), "start"),
    axisLabel(W - PAD.right, H - 8, new Date(last.x).toISOString().slice(0, 16).replace("T", " "), "end"),
    svg("polyline", {
      class: `chart-line ${opts.series}`,
      points: pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" "),
    }),
    ...pts.map((p) =>
      svg(
        "circle",
        { cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: 3.5, class: `chart-point ${opts.series}` },
        svg("title", {}, `${p.label}: ${opts.format(p.y)}`),
      ),
    ),
  );
  figure.appendChild(chart);
  return figure;
}
