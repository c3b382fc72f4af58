/** Process entry for the CLI (imported by bin/ecr-keeper.mjs and `npm run ecr-keeper`). */
import { main } from './main.js';

// The AWS SDK prints a nine-line warning on every run under Node < 22 (its 2027 releases will need
// Node 22). The CLI supports Node 20.19+ and says so in --help; set before the SDK loads (only
// `sweep` and `audit` load it, dynamically), for `npm run ecr-keeper` too. A value the user set wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

await main(process.argv.slice(2));
