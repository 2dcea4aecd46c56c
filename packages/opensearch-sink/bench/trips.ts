/** The bench documents: NYC-taxi-like trips of ~160 B, and their strict mapping. */
export interface Trip {
  id: string;
  vendor: string;
  pickup: string;
  dropoff: string;
  passengers: number;
  distance: number;
  fare: number;
  zone: string;
}

export function trip(i: number): Trip {
  const t = Date.UTC(2024, 0, 1) + i * 997;
  return {
    id: `trip-${i}`,
    vendor: `v${i % 3}`,
    pickup: new Date(t).toISOString(),
    dropoff: new Date(t + 600_000 + (i % 1800) * 1000).toISOString(),
    passengers: 1 + (i % 4),
    distance: Math.round((i % 300) * 3.7) / 100,
    fare: Math.round((i % 500) * 13.1) / 100,
    zone: `zone-${i % 263}`,
  };
}

export const mappings = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    vendor: { type: 'keyword' },
    pickup: { type: 'date' },
    dropoff: { type: 'date' },
    passengers: { type: 'integer' },
    distance: { type: 'double' },
    fare: { type: 'double' },
    zone: { type: 'keyword' },
  },
};
