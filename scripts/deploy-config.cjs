// The organisation config of a deployed function, chosen at package time: serverless.yml sets
// KEEPER_CONFIG to what this returns, the JSON of the file named by the `configFile` param
// (default config/default.json), compacted. The function validates it at start-up like any
// KEEPER_CONFIG (src/lib/config.ts); here it must at least be one JSON object, so a broken file
// fails `serverless package`, not the first sweep.
//   npx serverless deploy --param="configFile=config/acme.json"
'use strict';
/* eslint-disable no-undef, @typescript-eslint/no-require-imports -- CommonJS: osls loads ${file(…)} sources with require() */
const { readFileSync } = require('node:fs');
const path = require('node:path');

/** Lambda allows 4 KB for all environment variables of a function together. */
const MAX_BYTES = 3500;

module.exports = async ({ resolveVariable }) => {
  const file = await resolveVariable('param:configFile');
  const where = path.resolve(__dirname, '..', String(file));
  let value;
  try {
    value = JSON.parse(readFileSync(where, 'utf8'));
  } catch (error) {
    throw new Error(`configFile ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`configFile ${file}: must hold one JSON object`);
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > MAX_BYTES)
    throw new Error(`configFile ${file}: ${Buffer.byteLength(text)} bytes compacted, over the ${MAX_BYTES} that fit in Lambda's 4 KB of environment variables`);
  return text;
};
