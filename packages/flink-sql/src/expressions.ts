/**
 * SQL expressions over a schema's columns: the haversine distance, ~1 km grid cells, and bounding boxes whose corners
 * are runner parameters. Approximate-number literals (`E0`) keep the arithmetic in DOUBLE rather than DECIMAL.
 */
import type { Fields, Schema } from '@pipeline/schema';
import type { KeyExpression, RowFilter } from './aggregate.js';
import type { SqlParameter } from './parameters.js';
import { checkName, type FieldNameOfType, fieldOf, id, param, type SqlExpression } from './sql-text.js';

/** Points of a great-circle distance: four double fields (degrees). */
export interface GreatCirclePoints<F extends Fields> {
  readonly fromLongitude: FieldNameOfType<F, 'double'>;
  readonly fromLatitude: FieldNameOfType<F, 'double'>;
  readonly toLongitude: FieldNameOfType<F, 'double'>;
  readonly toLatitude: FieldNameOfType<F, 'double'>;
}

/** Mean Earth radius in miles (the taxi data's `gcDistance` matches haversine with it). */
export const EARTH_RADIUS_MILES = 3958.8;

/** A double literal Flink and dt-sql-parser read as DOUBLE: `0.01E0`. */
export function doubleLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
  const text = String(value);
  return /e/i.test(text) ? text.toUpperCase() : `${text}E0`;
}

/**
 * Haversine great-circle distance between two coordinate pairs of a schema, as a Flink SQL DOUBLE expression, in
 * miles (or the unit of `radius`): `2 R asin(√(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))`.
 */
export function greatCircleDistance<const F extends Fields>(
  schema: Schema<F>,
  points: GreatCirclePoints<F>,
  radius = EARTH_RADIUS_MILES,
): SqlExpression<'DOUBLE'> {
  for (const key of ['fromLongitude', 'fromLatitude', 'toLongitude', 'toLatitude'] as const) {
    fieldOf(schema, points[key], `greatCircleDistance ${key}`, ['double']);
  }
  if (!(Number.isFinite(radius) && radius > 0)) throw new TypeError(`radius must be a positive number, got ${radius}`);
  const lon1 = id(points.fromLongitude);
  const lat1 = id(points.fromLatitude);
  const lon2 = id(points.toLongitude);
  const lat2 = id(points.toLatitude);
  // The square root is written POWER(x, 0.5E0) (Math.pow, within 1 ulp of Math.sqrt): dt-sql-parser's Flink grammar
  // does not know SQRT.
  const diameter = `${2 * radius}E0`;
  const a =
    `POWER(SIN(RADIANS(${lat2} - ${lat1}) / 2), 2) + ` +
    `COS(RADIANS(${lat1})) * COS(RADIANS(${lat2})) * POWER(SIN(RADIANS(${lon2} - ${lon1}) / 2), 2)`;
  return {
    sql: `${diameter} * ASIN(POWER(${a}, 0.5E0))`,
    type: 'DOUBLE',
    doc: `great-circle distance ${points.fromLongitude}/${points.fromLatitude} to ${points.toLongitude}/${points.toLatitude}${radius === EARTH_RADIUS_MILES ? ', miles' : ''}`,
  };
}

/**
 * Grid-cell indexes of a point: `FLOOR(latitude / size)` and `FLOOR(longitude / size)` as BIGINT. With 0.01° a cell
 * is about 1.1 km north-south and 0.84 km east-west at New York's latitude. The cell's centre is
 * `(index + 0.5) * size`; {@link gridCellDerived} computes it (and the cell id) from the indexes.
 */
export function gridCell<const F extends Fields>(
  schema: Schema<F>,
  point: { readonly longitude: FieldNameOfType<F, 'double'>; readonly latitude: FieldNameOfType<F, 'double'> },
  sizeDegrees = 0.01,
): { readonly latIndex: KeyExpression; readonly lonIndex: KeyExpression; readonly sizeDegrees: number } {
  fieldOf(schema, point.longitude, 'gridCell longitude', ['double']);
  fieldOf(schema, point.latitude, 'gridCell latitude', ['double']);
  if (!(Number.isFinite(sizeDegrees) && sizeDegrees > 0 && sizeDegrees <= 1)) {
    throw new TypeError(`sizeDegrees must be in (0, 1], got ${sizeDegrees}`);
  }
  const size = doubleLiteral(sizeDegrees);
  return {
    latIndex: {
      sql: `CAST(FLOOR(${id(point.latitude)} / ${size}) AS BIGINT)`,
      type: 'BIGINT',
      doc: `Cell row: floor(${point.latitude} / ${sizeDegrees})`,
    },
    lonIndex: {
      sql: `CAST(FLOOR(${id(point.longitude)} / ${size}) AS BIGINT)`,
      type: 'BIGINT',
      doc: `Cell column: floor(${point.longitude} / ${sizeDegrees})`,
    },
    sizeDegrees,
  };
}

/** Cell id (`<latIndex>_<lonIndex>`) and centre, computed from the index columns of {@link gridCell}. */
export function gridCellDerived(
  columns: { readonly latIndex: string; readonly lonIndex: string },
  sizeDegrees: number,
) {
  const size = doubleLiteral(sizeDegrees);
  const lat = id(columns.latIndex);
  const lon = id(columns.lonIndex);
  return {
    cellId: {
      sql: `CONCAT(CAST(${lat} AS STRING), '_', CAST(${lon} AS STRING))`,
      type: 'STRING',
      doc: 'Grid cell id: <row>_<column>',
    },
    cellCenterLat: {
      sql: `(CAST(${lat} AS DOUBLE) + 0.5E0) * ${size}`,
      type: 'DOUBLE',
      doc: 'Latitude of the cell centre, degrees',
    },
    cellCenterLon: {
      sql: `(CAST(${lon} AS DOUBLE) + 0.5E0) * ${size}`,
      type: 'DOUBLE',
      doc: 'Longitude of the cell centre, degrees',
    },
  } as const satisfies Record<string, SqlExpression>;
}

/** A longitude/latitude box: west ≤ lon ≤ east, south ≤ lat ≤ north (degrees). */
export interface BoundingBox {
  readonly west: number;
  readonly south: number;
  readonly east: number;
  readonly north: number;
}

/** The four parameter names of a box: `<prefix>West`, `<prefix>South`, `<prefix>East`, `<prefix>North`. */
export function boxParameterNames(prefix: string) {
  checkName('bounding box parameter prefix', prefix);
  return {
    west: `${prefix}West`,
    south: `${prefix}South`,
    east: `${prefix}East`,
    north: `${prefix}North`,
  } as const;
}

/** Values of a box's parameters, for `bindParameters`. */
export function boxParameterValues(prefix: string, box: BoundingBox): Record<string, number> {
  const names = boxParameterNames(prefix);
  if (!(box.west < box.east && box.south < box.north))
    throw new TypeError(`box ${prefix}: west < east and south < north`);
  return { [names.west]: box.west, [names.south]: box.south, [names.east]: box.east, [names.north]: box.north };
}

/**
 * `lon BETWEEN ${<prefix>West} AND ${<prefix>East} AND lat BETWEEN ${<prefix>South} AND ${<prefix>North}`, with the
 * four number parameters declared.
 */
export function inBoundingBox<const F extends Fields>(
  schema: Schema<F>,
  point: { readonly longitude: FieldNameOfType<F, 'double'>; readonly latitude: FieldNameOfType<F, 'double'> },
  prefix: string,
  what = prefix,
): RowFilter {
  fieldOf(schema, point.longitude, 'inBoundingBox longitude', ['double']);
  fieldOf(schema, point.latitude, 'inBoundingBox latitude', ['double']);
  const names = boxParameterNames(prefix);
  const parameters: Record<string, SqlParameter> = {
    [names.west]: { type: 'number', doc: `${what}: west edge, degrees of longitude` },
    [names.south]: { type: 'number', doc: `${what}: south edge, degrees of latitude` },
    [names.east]: { type: 'number', doc: `${what}: east edge, degrees of longitude` },
    [names.north]: { type: 'number', doc: `${what}: north edge, degrees of latitude` },
  };
  return {
    sql:
      `(${id(point.longitude)} BETWEEN ${param(names.west)} AND ${param(names.east)} AND ` +
      `${id(point.latitude)} BETWEEN ${param(names.south)} AND ${param(names.north)})`,
    parameters,
  };
}
