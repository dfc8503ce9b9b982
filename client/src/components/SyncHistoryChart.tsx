import { useId } from 'react';
import type { SyncHistoryPoint } from '../lib/router-types.ts';
import { formatCount, formatShortDateTime } from './audit-format.ts';
import '../styles/propsync.css';

export type SyncHistoryChartProps = {
  /** Cycles oldest first, as `syncRuns.history` returns them. */
  points: SyncHistoryPoint[];
  title?: string;
};

const WIDTH = 640;
const RECORDS_HEIGHT = 150;
const ERRORS_HEIGHT = 50;
const GAP = 24;
const LEFT = 44;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 22;

/** A round number at or above `value`, so the axis reads 50, 100, 2,000 rather than 1,248. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((candidate) => candidate * magnitude >= value) ?? 10;
  return step * magnitude;
}

/**
 * Records in and out and errors per cycle over time, in plain SVG: bars for records (in and out
 * side by side) above a strip of error bars. The same numbers are available as a table.
 */
export function SyncHistoryChart({ points, title = 'Sync history' }: SyncHistoryChartProps) {
  const id = useId();
  if (points.length === 0) {
    return (
      <figure className="propsync-history">
        <figcaption className="propsync-section-title">{title}</figcaption>
        <p className="propsync-muted">No sync cycle yet: the chart fills in after the first sync.</p>
      </figure>
    );
  }
  const plotWidth = WIDTH - LEFT - RIGHT;
  const slot = plotWidth / points.length;
  const barWidth = Math.max(1, Math.min(14, slot / 2 - 1));
  const recordsMax = niceCeiling(
    Math.max(...points.map((point) => Math.max(point.recordsIn, point.recordsOut))),
  );
  const errorsMax = niceCeiling(Math.max(...points.map((point) => point.errors)));
  const recordsBase = TOP + RECORDS_HEIGHT;
  const errorsTop = recordsBase + GAP;
  const errorsBase = errorsTop + ERRORS_HEIGHT;
  const height = errorsBase + BOTTOM;
  const totals = points.reduce(
    (sum, point) => ({
      in: sum.in + point.recordsIn,
      out: sum.out + point.recordsOut,
      errors: sum.errors + point.errors,
    }),
    { in: 0, out: 0, errors: 0 },
  );
  const first = points[0]!;
  const last = points.at(-1)!;
  const description = `${points.length} ${points.length === 1 ? 'cycle' : 'cycles'} from ${formatShortDateTime(first.startedAt)} to ${formatShortDateTime(
    last.startedAt,
  )}: ${formatCount(totals.in)} records in, ${formatCount(totals.out)} out, ${formatCount(totals.errors)} errors.`;

  return (
    <figure className="propsync-history" data-testid="sync-history-chart">
      <figcaption id={`${id}-title`} className="propsync-section-title">
        {title}
      </figcaption>
      <ul className="propsync-history__legend" aria-hidden="true">
        <li>
          <span className="propsync-history__swatch propsync-history__swatch--in" /> Records in
        </li>
        <li>
          <span className="propsync-history__swatch propsync-history__swatch--out" /> Records out
        </li>
        <li>
          <span className="propsync-history__swatch propsync-history__swatch--errors" /> Errors
        </li>
      </ul>
      <svg
        className="propsync-history__chart"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <desc id={`${id}-desc`}>{description}</desc>
        <g className="propsync-history__axis">
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={recordsBase} y2={recordsBase} />
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={TOP} y2={TOP} className="propsync-history__grid" />
          <text x={LEFT - 6} y={TOP + 4} textAnchor="end">
            {formatCount(recordsMax)}
          </text>
          <text x={LEFT - 6} y={recordsBase} textAnchor="end">
            0
          </text>
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={errorsBase} y2={errorsBase} />
          <text x={LEFT - 6} y={errorsTop + 4} textAnchor="end">
            {formatCount(errorsMax)}
          </text>
          <text x={LEFT - 6} y={errorsBase} textAnchor="end">
            0
          </text>
          <text x={LEFT} y={height - 4}>
            {formatShortDateTime(first.startedAt)}
          </text>
          <text x={WIDTH - RIGHT} y={height - 4} textAnchor="end">
            {formatShortDateTime(last.startedAt)}
          </text>
        </g>
        {points.map((point, index) => {
          const x = LEFT + index * slot + slot / 2;
          const inHeight = (point.recordsIn / recordsMax) * RECORDS_HEIGHT;
          const outHeight = (point.recordsOut / recordsMax) * RECORDS_HEIGHT;
          const errorHeight = (point.errors / errorsMax) * ERRORS_HEIGHT;
          return (
            <g
              key={point.runId}
              className={`propsync-history__cycle propsync-history__cycle--${point.status}`}
            >
              <title>
                {`${formatShortDateTime(point.startedAt)}: ${formatCount(point.recordsIn)} in, ${formatCount(
                  point.recordsOut,
                )} out, ${formatCount(point.errors)} errors`}
              </title>
              <rect
                className="propsync-history__bar--in"
                x={x - barWidth}
                y={recordsBase - inHeight}
                width={barWidth}
                height={inHeight}
              />
              <rect
                className="propsync-history__bar--out"
                x={x}
                y={recordsBase - outHeight}
                width={barWidth}
                height={outHeight}
              />
              <rect
                className="propsync-history__bar--errors"
                x={x - barWidth / 2}
                y={errorsBase - errorHeight}
                width={barWidth}
                height={errorHeight}
              />
            </g>
          );
        })}
      </svg>
      <details className="propsync-history__data">
        <summary>Show the numbers</summary>
        <table className="propsync-table">
          <caption className="propsync-visually-hidden">Records and errors per cycle</caption>
          <thead>
            <tr>
              <th scope="col">Cycle started</th>
              <th scope="col">Records in</th>
              <th scope="col">Records out</th>
              <th scope="col">Errors</th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={point.runId}>
                <th scope="row">{formatShortDateTime(point.startedAt)}</th>
                <td>{formatCount(point.recordsIn)}</td>
                <td>{formatCount(point.recordsOut)}</td>
                <td>{formatCount(point.errors)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
