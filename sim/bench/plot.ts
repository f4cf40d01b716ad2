/** One line of the plot: points (x, y); points with y <= 0 are left out (the y axis is logarithmic). */
export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: number[][];
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function bytesLabel(bytes: number): string {
  if (bytes >= 1e6) return bytes / 1e6 + ' MB';
  if (bytes >= 1e3) return bytes / 1e3 + ' kB';
  return bytes + ' B';
}

/**
 * A self-contained SVG line plot, linear x and logarithmic y (memory figures span from a flat
 * tens of kilobytes to megabytes), with a legend; no dependencies, so the README can embed it.
 */
export function renderPlot(series: Series[], options: PlotOptions): string {
  const width = options.width || 760;
  const height = options.height || 420;
  const left = 80;
  const right = 20;
  const top = 40;
  const bottom = 60;
  let xMax = 1;
  let yMin = Infinity;
  let yMax = 0;
  for (const s of series) {
    for (const p of s.points) {
      xMax = Math.max(xMax, p[0]);
      if (p[1] > 0) {
        yMin = Math.min(yMin, p[1]);
        yMax = Math.max(yMax, p[1]);
      }
    }
  }
  const decadeLow = Math.floor(Math.log10(yMin === Infinity ? 1 : yMin));
  const decadeHigh = Math.max(decadeLow + 1, Math.ceil(Math.log10(Math.max(yMax, 1))));
  const x = (value: number): number => left + ((width - left - right) * value) / xMax;
  const y = (value: number): number =>
    top + (height - top - bottom) * (1 - (Math.log10(Math.max(value, Math.pow(10, decadeLow))) - decadeLow) / (decadeHigh - decadeLow));
  const out: string[] = [];
  out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + width + '" height="' + height + '" font-family="sans-serif" font-size="12">');
  out.push('<rect width="100%" height="100%" fill="white"/>');
  out.push('<text x="' + width / 2 + '" y="22" text-anchor="middle" font-size="15">' + escape(options.title) + '</text>');
  for (let decade = decadeLow; decade <= decadeHigh; decade++) {
    for (const factor of [1, 2, 5]) {
      const value = factor * Math.pow(10, decade);
      if (decade === decadeHigh && factor > 1) continue;
      const yy = y(value).toFixed(1);
      out.push('<line x1="' + left + '" x2="' + (width - right) + '" y1="' + yy + '" y2="' + yy + '" stroke="#ddd"/>');
      out.push('<text x="' + (left - 6) + '" y="' + yy + '" text-anchor="end" dominant-baseline="middle">' + bytesLabel(value) + '</text>');
    }
  }
  for (let i = 0; i <= 5; i++) {
    const value = (xMax * i) / 5;
    const xx = x(value).toFixed(1);
    out.push('<line x1="' + xx + '" x2="' + xx + '" y1="' + top + '" y2="' + (height - bottom) + '" stroke="#eee"/>');
    out.push('<text x="' + xx + '" y="' + (height - bottom + 16) + '" text-anchor="middle">' + Math.round(value).toLocaleString('en-US') + '</text>');
  }
  out.push('<text x="' + (left + (width - left - right) / 2) + '" y="' + (height - 20) + '" text-anchor="middle">' + escape(options.xLabel) + '</text>');
  out.push('<text transform="translate(16,' + (top + (height - top - bottom) / 2) + ') rotate(-90)" text-anchor="middle">' + escape(options.yLabel) + '</text>');
  out.push('<rect x="' + left + '" y="' + top + '" width="' + (width - left - right) + '" height="' + (height - top - bottom) + '" fill="none" stroke="#444"/>');
  series.forEach((s, index) => {
    const points = s.points.filter((p) => p[1] > 0).map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
    out.push('<polyline fill="none" stroke="' + s.color + '" stroke-width="2"' + (s.dashed ? ' stroke-dasharray="6 4"' : '') + ' points="' + points + '"/>');
    const ly = top + 16 + index * 18;
    out.push('<line x1="' + (left + 12) + '" x2="' + (left + 40) + '" y1="' + ly + '" y2="' + ly + '" stroke="' + s.color + '" stroke-width="2"' + (s.dashed ? ' stroke-dasharray="6 4"' : '') + '/>');
    out.push('<text x="' + (left + 46) + '" y="' + ly + '" dominant-baseline="middle">' + escape(s.label) + '</text>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
