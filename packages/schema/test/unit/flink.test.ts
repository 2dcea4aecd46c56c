import {
  defineSchema,
  field,
  flinkStringLiteral,
  quoteFlinkIdentifier,
  toFlinkColumnList,
  toFlinkColumns,
} from '@pipeline/schema';
import { describe, expect, it } from 'vitest';
import { rideSchema } from '../helpers/example.js';

describe('toFlinkColumns', () => {
  it('maps every logical type, nullability and doc comment', () => {
    expect(toFlinkColumns(rideSchema)).toEqual([
      {
        name: 'tripId',
        type: 'STRING',
        nullable: false,
        comment: 'Trip id',
        definition: "`tripId` STRING NOT NULL COMMENT 'Trip id'",
      },
      { name: 'vendor', type: 'STRING', nullable: false, definition: '`vendor` STRING NOT NULL' },
      {
        name: 'passengers',
        type: 'INT',
        nullable: false,
        comment: 'Passengers, persons',
        definition: "`passengers` INT NOT NULL COMMENT 'Passengers, persons'",
      },
      { name: 'distanceMetres', type: 'BIGINT', nullable: false, definition: '`distanceMetres` BIGINT NOT NULL' },
      {
        name: 'pickupAt',
        type: 'TIMESTAMP_LTZ(3)',
        nullable: false,
        comment: "Pickup time, UTC (driver's clock)",
        definition: "`pickupAt` TIMESTAMP_LTZ(3) NOT NULL COMMENT 'Pickup time, UTC (driver''s clock)'",
      },
      {
        name: 'fare',
        type: 'DOUBLE',
        nullable: true,
        comment: 'Fare, USD',
        definition: "`fare` DOUBLE COMMENT 'Fare, USD'",
      },
      { name: 'storeAndForward', type: 'BOOLEAN', nullable: false, definition: '`storeAndForward` BOOLEAN NOT NULL' },
    ]);
  });

  it('renders the DDL column list', () => {
    expect(toFlinkColumnList(rideSchema, { comments: false })).toBe(
      [
        '  `tripId` STRING NOT NULL',
        '  `vendor` STRING NOT NULL',
        '  `passengers` INT NOT NULL',
        '  `distanceMetres` BIGINT NOT NULL',
        '  `pickupAt` TIMESTAMP_LTZ(3) NOT NULL',
        '  `fare` DOUBLE',
        '  `storeAndForward` BOOLEAN NOT NULL',
      ].join(',\n'),
    );
    const s = defineSchema({ name: 's', fields: { at: field.timestamp({ precision: 0, nullable: true }) } });
    expect(toFlinkColumnList(s, { indent: '' })).toBe('`at` TIMESTAMP_LTZ(0)');
  });

  it('quotes identifiers and string literals', () => {
    expect(quoteFlinkIdentifier('a`b')).toBe('`a``b`');
    expect(flinkStringLiteral("it's\n  two lines")).toBe("'it''s two lines'");
  });
});
