// Audience: visitors by device, browser, OS, country, language and screen size (GET /api/stats/audience).
import { BreakdownGrid, type Breakdown } from '../components/breakdowns.js';

type Table = 'devices' | 'browsers' | 'os' | 'countries' | 'languages' | 'screens';

const TABLES: readonly Breakdown<Table>[] = [
  { key: 'devices', title: 'Devices', label: 'Device', filter: 'device' },
  { key: 'browsers', title: 'Browsers', label: 'Browser', filter: 'browser' },
  { key: 'os', title: 'Operating systems', label: 'Operating system', filter: 'os' },
  { key: 'countries', title: 'Countries', label: 'Country', filter: 'country' },
  { key: 'languages', title: 'Languages', label: 'Language' },
  { key: 'screens', title: 'Screen sizes', label: 'Screen size' },
];

export function Audience() {
  return (
    <BreakdownGrid
      path="/api/stats/audience"
      tables={TABLES}
      metrics={[{ key: 'visitors', label: 'Visitors', format: 'number', bar: true }]}
    />
  );
}
