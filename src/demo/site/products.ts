// The demo shop's catalogue. Shared by the browser app (app.ts) and the synthetic visitor generator
// (../visitors.ts), so synthetic traffic walks the same pages and elements a real visitor would.

export interface Product {
  readonly slug: string;
  readonly name: string;
  readonly price: number; // EUR
  readonly swatch: string; // CSS class suffix of the product's colour block
  readonly description: string;
}

export const PRODUCTS: readonly Product[] = [
  {
    slug: 'lake-mug',
    name: 'Lake Mug',
    price: 18,
    swatch: 'mug',
    description: 'Stoneware, 350 ml, glazed the colour of deep water. Keeps your coffee warm through a slow sunrise.',
  },
  {
    slug: 'trail-backpack',
    name: 'Trail Backpack 24L',
    price: 89,
    swatch: 'backpack',
    description: 'Waxed canvas with a roll top, a padded laptop sleeve and room for a towel, a flask and lunch.',
  },
  {
    slug: 'merino-beanie',
    name: 'Merino Beanie',
    price: 25,
    swatch: 'beanie',
    description: 'Soft, warm and quick to dry: the first thing to put on after a cold swim.',
  },
  {
    slug: 'canvas-tote',
    name: 'Canvas Tote',
    price: 22,
    swatch: 'tote',
    description: 'Heavy cotton, long handles, an inner pocket for keys. Carries a wet towel without complaint.',
  },
  {
    slug: 'field-notebook',
    name: 'Field Notebook',
    price: 12,
    swatch: 'notebook',
    description: 'Water-resistant paper, 96 dotted pages, a pencil loop. For water temperatures and bird lists.',
  },
  {
    slug: 'summit-thermos',
    name: 'Summit Thermos',
    price: 34,
    swatch: 'thermos',
    description: 'Double-walled steel, 750 ml, hot for 12 hours. The cup doubles as a lid.',
  },
];
