/** Prints the cost table of docs/aws.md (model and cited prices in ../lib/costs.ts). */
import { costTable, fixedMonthly, perEvent } from '../lib/costs.js';

console.log(costTable());
console.log(`\nfixed: $${fixedMonthly().toFixed(2)}/month; variable: $${(perEvent() * 1e6).toFixed(2)} per million events`);
