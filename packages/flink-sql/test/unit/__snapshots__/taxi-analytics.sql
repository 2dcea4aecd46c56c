SET 'table.exec.state.ttl' = '1440 min';

SET 'table.optimizer.reuse-optimize-block-with-digest-enabled' = 'true';

SET 'table.local-time-zone' = 'UTC';

CREATE TABLE `trips` (
  `id` STRING NOT NULL COMMENT 'Trip id: "id" followed by 7 digits',
  `vendorId` INT NOT NULL COMMENT 'Taxi vendor: 1 or 2',
  `pickupDate` TIMESTAMP_LTZ(3) NOT NULL COMMENT 'Pickup time, UTC',
  `dropoffDate` TIMESTAMP_LTZ(3) NOT NULL COMMENT 'Dropoff time, UTC',
  `passengerCount` INT NOT NULL COMMENT 'Passengers, persons (0 occurs in the data)',
  `pickupLongitude` DOUBLE NOT NULL COMMENT 'Pickup longitude, degrees (WGS 84)',
  `pickupLatitude` DOUBLE NOT NULL COMMENT 'Pickup latitude, degrees (WGS 84)',
  `dropoffLongitude` DOUBLE NOT NULL COMMENT 'Dropoff longitude, degrees (WGS 84)',
  `dropoffLatitude` DOUBLE NOT NULL COMMENT 'Dropoff latitude, degrees (WGS 84)',
  `storeAndFwdFlag` STRING NOT NULL COMMENT 'Y when the trip was stored in the vehicle and forwarded later (no server connection)',
  `gcDistance` DOUBLE NOT NULL COMMENT 'Great-circle distance pickup to dropoff, miles',
  `tripDuration` INT NOT NULL COMMENT 'Trip duration, seconds',
  `googleDistance` INT NOT NULL COMMENT 'Road distance from Google Maps, metres',
  `googleDuration` INT NOT NULL COMMENT 'Driving time from Google Maps, seconds',
  `__control` STRING COMMENT 'Control marker (watermark-heartbeat); NULL on data rows',
  WATERMARK FOR `pickupDate` AS `pickupDate` - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream' = ${kinesisStream},
  'aws.region' = ${awsRegion},
  'aws.endpoint' = ${kinesisEndpoint},
  'aws.credentials.provider' = 'BASIC',
  'aws.credentials.basic.accesskeyid' = ${kinesisAccessKeyId},
  'aws.credentials.basic.secretkey' = ${kinesisSecretKey},
  'scan.stream.initpos' = 'TRIM_HORIZON',
  'format' = 'kpl-json',
  'kpl-json.timestamp-format.standard' = 'ISO-8601'
);

-- data rows only: control records (watermark heartbeats) moved the watermark above and stop here
CREATE VIEW `trips_data` AS
SELECT `id`, `vendorId`, `pickupDate`, `dropoffDate`, `passengerCount`, `pickupLongitude`, `pickupLatitude`, `dropoffLongitude`, `dropoffLatitude`, `storeAndFwdFlag`, `gcDistance`, `tripDuration`, `googleDistance`, `googleDuration`
FROM `trips`
WHERE `__control` IS NULL;

-- one row per id: the first in event time (retries deliver copies)
CREATE VIEW `trips_unique` AS
SELECT `id`, `vendorId`, `pickupDate`, `dropoffDate`, `passengerCount`, `pickupLongitude`, `pickupLatitude`, `dropoffLongitude`, `dropoffLatitude`, `storeAndFwdFlag`, `gcDistance`, `tripDuration`, `googleDistance`, `googleDuration`
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY `id` ORDER BY `pickupDate` ASC) AS `row_num`
  FROM `trips_data`
)
WHERE `row_num` = 1;

CREATE VIEW `airport_trip_rows` AS
SELECT
  `id`,
  `vendorId`,
  `pickupDate`,
  `dropoffDate`,
  `passengerCount`,
  `pickupLongitude`,
  `pickupLatitude`,
  `dropoffLongitude`,
  `dropoffLatitude`,
  `storeAndFwdFlag`,
  `gcDistance`,
  `tripDuration`,
  `googleDistance`,
  `googleDuration`,
  CASE
    WHEN (`pickupLongitude` BETWEEN ${jfkWest} AND ${jfkEast} AND `pickupLatitude` BETWEEN ${jfkSouth} AND ${jfkNorth}) THEN 'JFK'
    WHEN (`pickupLongitude` BETWEEN ${lgaWest} AND ${lgaEast} AND `pickupLatitude` BETWEEN ${lgaSouth} AND ${lgaNorth}) THEN 'LGA'
    WHEN (`pickupLongitude` BETWEEN ${ewrWest} AND ${ewrEast} AND `pickupLatitude` BETWEEN ${ewrSouth} AND ${ewrNorth}) THEN 'EWR'
    WHEN (`dropoffLongitude` BETWEEN ${jfkWest} AND ${jfkEast} AND `dropoffLatitude` BETWEEN ${jfkSouth} AND ${jfkNorth}) THEN 'JFK'
    WHEN (`dropoffLongitude` BETWEEN ${lgaWest} AND ${lgaEast} AND `dropoffLatitude` BETWEEN ${lgaSouth} AND ${lgaNorth}) THEN 'LGA'
    WHEN (`dropoffLongitude` BETWEEN ${ewrWest} AND ${ewrEast} AND `dropoffLatitude` BETWEEN ${ewrSouth} AND ${ewrNorth}) THEN 'EWR'
  END AS `airport`
FROM `trips_unique`
WHERE (`pickupLongitude` BETWEEN ${jfkWest} AND ${jfkEast} AND `pickupLatitude` BETWEEN ${jfkSouth} AND ${jfkNorth})
   OR (`dropoffLongitude` BETWEEN ${jfkWest} AND ${jfkEast} AND `dropoffLatitude` BETWEEN ${jfkSouth} AND ${jfkNorth})
   OR (`pickupLongitude` BETWEEN ${lgaWest} AND ${lgaEast} AND `pickupLatitude` BETWEEN ${lgaSouth} AND ${lgaNorth})
   OR (`dropoffLongitude` BETWEEN ${lgaWest} AND ${lgaEast} AND `dropoffLatitude` BETWEEN ${lgaSouth} AND ${lgaNorth})
   OR (`pickupLongitude` BETWEEN ${ewrWest} AND ${ewrEast} AND `pickupLatitude` BETWEEN ${ewrSouth} AND ${ewrNorth})
   OR (`dropoffLongitude` BETWEEN ${ewrWest} AND ${ewrEast} AND `dropoffLatitude` BETWEEN ${ewrSouth} AND ${ewrNorth});

CREATE TABLE `vendor_stats` (
  `windowStart` STRING NOT NULL COMMENT 'Window start, UTC (ISO 8601)',
  `windowEnd` STRING COMMENT 'Window end (exclusive), UTC (ISO 8601)',
  `vendorId` INT NOT NULL COMMENT 'Taxi vendor: 1 or 2',
  `trips` BIGINT NOT NULL COMMENT 'Trips picked up in the window',
  `passengers` BIGINT COMMENT 'Passengers, persons',
  `avgDurationSeconds` DOUBLE COMMENT 'Average trip duration, seconds',
  `avgDistanceMiles` DOUBLE COMMENT 'Average great-circle distance pickup to dropoff, miles',
  PRIMARY KEY (`windowStart`, `vendorId`) NOT ENFORCED
) WITH (
  'connector' = 'opensearch-2',
  'hosts' = ${opensearchHosts},
  'index' = ${vendorStatsIndex},
  'document-id.key-delimiter' = '_',
  'sink.bulk-flush.interval' = '1000ms',
  'sink.bulk-flush.max-actions' = '1000',
  'sink.bulk-flush.backoff.strategy' = 'EXPONENTIAL',
  'sink.bulk-flush.backoff.max-retries' = '5',
  'sink.bulk-flush.backoff.delay' = '1s'
);

CREATE TABLE `vendor_trend` (
  `windowStart` STRING NOT NULL COMMENT 'Window start, UTC (ISO 8601)',
  `windowEnd` STRING COMMENT 'Window end (exclusive), UTC (ISO 8601)',
  `vendorId` INT NOT NULL COMMENT 'Taxi vendor: 1 or 2',
  `trips` BIGINT NOT NULL COMMENT 'Trips picked up in the window',
  `passengers` BIGINT COMMENT 'Passengers, persons',
  `avgDurationSeconds` DOUBLE COMMENT 'Average trip duration, seconds',
  `avgDistanceMiles` DOUBLE COMMENT 'Average great-circle distance pickup to dropoff, miles',
  PRIMARY KEY (`windowStart`, `vendorId`) NOT ENFORCED
) WITH (
  'connector' = 'opensearch-2',
  'hosts' = ${opensearchHosts},
  'index' = ${vendorTrendIndex},
  'document-id.key-delimiter' = '_',
  'sink.bulk-flush.interval' = '1000ms',
  'sink.bulk-flush.max-actions' = '1000',
  'sink.bulk-flush.backoff.strategy' = 'EXPONENTIAL',
  'sink.bulk-flush.backoff.max-retries' = '5',
  'sink.bulk-flush.backoff.delay' = '1s'
);

CREATE TABLE `pickup_hotspots` (
  `windowStart` STRING NOT NULL COMMENT 'Window start, UTC (ISO 8601)',
  `windowEnd` STRING COMMENT 'Window end (exclusive), UTC (ISO 8601)',
  `cellLatIndex` BIGINT NOT NULL COMMENT 'Cell row: floor(pickupLatitude / 0.01)',
  `cellLonIndex` BIGINT NOT NULL COMMENT 'Cell column: floor(pickupLongitude / 0.01)',
  `pickups` BIGINT NOT NULL COMMENT 'Trips picked up in the cell in the window',
  `cellId` STRING COMMENT 'Grid cell id: <row>_<column>',
  `cellCenterLat` DOUBLE COMMENT 'Latitude of the cell centre, degrees',
  `cellCenterLon` DOUBLE COMMENT 'Longitude of the cell centre, degrees',
  `rank` BIGINT NOT NULL COMMENT 'Rank in the window, 1 = most',
  PRIMARY KEY (`windowStart`, `rank`) NOT ENFORCED
) WITH (
  'connector' = 'opensearch-2',
  'hosts' = ${opensearchHosts},
  'index' = ${pickupHotspotsIndex},
  'document-id.key-delimiter' = '_',
  'sink.bulk-flush.interval' = '1000ms',
  'sink.bulk-flush.max-actions' = '1000',
  'sink.bulk-flush.backoff.strategy' = 'EXPONENTIAL',
  'sink.bulk-flush.backoff.max-retries' = '5',
  'sink.bulk-flush.backoff.delay' = '1s'
);

CREATE TABLE `airport_trips` (
  `windowStart` STRING NOT NULL COMMENT 'Window start, UTC (ISO 8601)',
  `windowEnd` STRING COMMENT 'Window end (exclusive), UTC (ISO 8601)',
  `airport` STRING NOT NULL COMMENT 'Airport: JFK, LGA or EWR',
  `trips` BIGINT NOT NULL COMMENT 'Trips picked up in the window',
  `avgDurationSeconds` DOUBLE COMMENT 'Average trip duration, seconds',
  `avgDistanceMiles` DOUBLE COMMENT 'Average great-circle distance pickup to dropoff, miles',
  PRIMARY KEY (`windowStart`, `airport`) NOT ENFORCED
) WITH (
  'connector' = 'opensearch-2',
  'hosts' = ${opensearchHosts},
  'index' = ${airportTripsIndex},
  'document-id.key-delimiter' = '_',
  'sink.bulk-flush.interval' = '1000ms',
  'sink.bulk-flush.max-actions' = '1000',
  'sink.bulk-flush.backoff.strategy' = 'EXPONENTIAL',
  'sink.bulk-flush.backoff.max-retries' = '5',
  'sink.bulk-flush.backoff.delay' = '1s'
);

CREATE TABLE `day_totals` (
  `windowStart` STRING NOT NULL COMMENT 'Window start, UTC (ISO 8601)',
  `windowEnd` STRING NOT NULL COMMENT 'Window end (exclusive), UTC (ISO 8601)',
  `trips` BIGINT NOT NULL COMMENT 'Trips picked up since the start of the day (UTC)',
  `passengers` BIGINT COMMENT 'Passengers since the start of the day, persons',
  PRIMARY KEY (`windowStart`, `windowEnd`) NOT ENFORCED
) WITH (
  'connector' = 'opensearch-2',
  'hosts' = ${opensearchHosts},
  'index' = ${dayTotalsIndex},
  'document-id.key-delimiter' = '_',
  'sink.bulk-flush.interval' = '1000ms',
  'sink.bulk-flush.max-actions' = '1000',
  'sink.bulk-flush.backoff.strategy' = 'EXPONENTIAL',
  'sink.bulk-flush.backoff.max-retries' = '5',
  'sink.bulk-flush.backoff.delay' = '1s'
);

INSERT INTO `vendor_stats` (`windowStart`, `windowEnd`, `vendorId`, `trips`, `passengers`, `avgDurationSeconds`, `avgDistanceMiles`)
SELECT
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowStart`,
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowEnd`,
  `vendorId` AS `vendorId`,
  COUNT(*) AS `trips`,
  SUM(CAST(`passengerCount` AS BIGINT)) AS `passengers`,
  AVG(CAST(`tripDuration` AS DOUBLE)) AS `avgDurationSeconds`,
  AVG(7917.6E0 * ASIN(POWER(POWER(SIN(RADIANS(`dropoffLatitude` - `pickupLatitude`) / 2), 2) + COS(RADIANS(`pickupLatitude`)) * COS(RADIANS(`dropoffLatitude`)) * POWER(SIN(RADIANS(`dropoffLongitude` - `pickupLongitude`) / 2), 2), 0.5E0))) AS `avgDistanceMiles`
FROM TABLE(TUMBLE(TABLE `trips_unique`, DESCRIPTOR(`pickupDate`), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, `vendorId`;

INSERT INTO `vendor_trend` (`windowStart`, `windowEnd`, `vendorId`, `trips`, `passengers`, `avgDurationSeconds`, `avgDistanceMiles`)
SELECT
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowStart`,
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowEnd`,
  `vendorId` AS `vendorId`,
  COUNT(*) AS `trips`,
  SUM(CAST(`passengerCount` AS BIGINT)) AS `passengers`,
  AVG(CAST(`tripDuration` AS DOUBLE)) AS `avgDurationSeconds`,
  AVG(7917.6E0 * ASIN(POWER(POWER(SIN(RADIANS(`dropoffLatitude` - `pickupLatitude`) / 2), 2) + COS(RADIANS(`pickupLatitude`)) * COS(RADIANS(`dropoffLatitude`)) * POWER(SIN(RADIANS(`dropoffLongitude` - `pickupLongitude`) / 2), 2), 0.5E0))) AS `avgDistanceMiles`
FROM TABLE(HOP(TABLE `trips_unique`, DESCRIPTOR(`pickupDate`), INTERVAL '1' MINUTE, INTERVAL '15' MINUTE))
GROUP BY window_start, window_end, `vendorId`;

INSERT INTO `pickup_hotspots` (`windowStart`, `windowEnd`, `cellLatIndex`, `cellLonIndex`, `pickups`, `cellId`, `cellCenterLat`, `cellCenterLon`, `rank`)
SELECT
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowStart`,
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowEnd`,
  `cellLatIndex` AS `cellLatIndex`,
  `cellLonIndex` AS `cellLonIndex`,
  `pickups` AS `pickups`,
  CONCAT(CAST(`cellLatIndex` AS STRING), '_', CAST(`cellLonIndex` AS STRING)) AS `cellId`,
  (CAST(`cellLatIndex` AS DOUBLE) + 0.5E0) * 0.01E0 AS `cellCenterLat`,
  (CAST(`cellLonIndex` AS DOUBLE) + 0.5E0) * 0.01E0 AS `cellCenterLon`,
  `row_num` AS `rank`
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY `pickups` DESC, `cellLatIndex` ASC, `cellLonIndex` ASC) AS `row_num`
  FROM (
    SELECT window_start, window_end, CAST(FLOOR(`pickupLatitude` / 0.01E0) AS BIGINT) AS `cellLatIndex`, CAST(FLOOR(`pickupLongitude` / 0.01E0) AS BIGINT) AS `cellLonIndex`, COUNT(*) AS `pickups`
    FROM TABLE(TUMBLE(TABLE `trips_unique`, DESCRIPTOR(`pickupDate`), INTERVAL '5' MINUTE))
    GROUP BY window_start, window_end, CAST(FLOOR(`pickupLatitude` / 0.01E0) AS BIGINT), CAST(FLOOR(`pickupLongitude` / 0.01E0) AS BIGINT)
  )
)
WHERE `row_num` <= 10;

INSERT INTO `airport_trips` (`windowStart`, `windowEnd`, `airport`, `trips`, `avgDurationSeconds`, `avgDistanceMiles`)
SELECT
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowStart`,
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowEnd`,
  `airport` AS `airport`,
  COUNT(*) AS `trips`,
  AVG(CAST(`tripDuration` AS DOUBLE)) AS `avgDurationSeconds`,
  AVG(7917.6E0 * ASIN(POWER(POWER(SIN(RADIANS(`dropoffLatitude` - `pickupLatitude`) / 2), 2) + COS(RADIANS(`pickupLatitude`)) * COS(RADIANS(`dropoffLatitude`)) * POWER(SIN(RADIANS(`dropoffLongitude` - `pickupLongitude`) / 2), 2), 0.5E0))) AS `avgDistanceMiles`
FROM TABLE(TUMBLE(TABLE `airport_trip_rows`, DESCRIPTOR(`pickupDate`), INTERVAL '15' MINUTE))
GROUP BY window_start, window_end, `airport`;

INSERT INTO `day_totals` (`windowStart`, `windowEnd`, `trips`, `passengers`)
SELECT
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowStart`,
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS `windowEnd`,
  COUNT(*) AS `trips`,
  SUM(CAST(`passengerCount` AS BIGINT)) AS `passengers`
FROM TABLE(CUMULATE(TABLE `trips_unique`, DESCRIPTOR(`pickupDate`), INTERVAL '1' MINUTE, INTERVAL '1' DAY))
GROUP BY window_start, window_end;
