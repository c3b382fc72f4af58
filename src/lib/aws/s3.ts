/**
 * The report bucket behind `ReportStore`: the sweep's and the audit's full reports, written as
 * objects so that a Lambda result (at most 6 MB) carries only a summary and their keys.
 * Encryption, public access and expiry are the bucket's own settings (serverless.yml), not per call.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { callAws, type AdapterOptions } from './actions.js';
import type { HandOffStore, ReportStore, StoredObject } from './ports.js';

/** A `ReportStore` writing to `bucket`; each `put` is one `s3:PutObject`. */
export const createReportStore = (client: S3Client, bucket: string, options: AdapterOptions = {}): ReportStore => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };
  return {
    put: async (key, body, contentType): Promise<StoredObject> => {
      await callAws('s3:PutObject', undefined, () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), send));
      return { bucket, key };
    },
  };
};

/**
 * The organisation state machine's hand-off store: the report bucket under `runs/`, written by one
 * step and read by the next (`s3:GetObject` only on that prefix, for the step functions only).
 */
export const createHandOffStore = (client: S3Client, bucket: string, options: AdapterOptions = {}): HandOffStore => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };
  return {
    ...createReportStore(client, bucket, options),
    get: async (key): Promise<string> =>
      callAws('s3:GetObject', undefined, async () => {
        const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), send);
        return (await output.Body?.transformToString('utf8')) ?? '';
      }),
  };
};
