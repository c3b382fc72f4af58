/** Process entry for the CLI (imported by bin/ecr-keeper.mjs and `npm run ecr-keeper`). */
import { main } from './main.js';

await main(process.argv.slice(2));
