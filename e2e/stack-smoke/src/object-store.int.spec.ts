import { createHash } from 'node:crypto';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack, uniqueName } from './stack-env';

const readAll = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
};

describe('S3-compatible object store from the minio client', () => {
  const client = new Minio.Client({
    endPoint: stack.s3.endpoint.hostname,
    port: Number(stack.s3.endpoint.port),
    useSSL: stack.s3.endpoint.protocol === 'https:',
    accessKey: stack.s3.accessKey,
    secretKey: stack.s3.secretKey,
    region: stack.s3.region,
    pathStyle: true,
  });
  const bucket = uniqueName('smoke');
  const body = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 31) % 251));
  const key = `runs/r1/nodes/n1/${createHash('sha256').update(body).digest('hex')}.bin`;

  beforeAll(async () => {
    await client.makeBucket(bucket, stack.s3.region);
  });

  afterAll(async () => {
    const keys: string[] = [];
    for await (const item of client.listObjectsV2(bucket, '', true)) if (item.name) keys.push(item.name);
    if (keys.length) await client.removeObjects(bucket, keys);
    await client.removeBucket(bucket);
  });

  it('puts, stats and gets an object byte for byte', async () => {
    await client.putObject(bucket, key, body, body.length, { 'Content-Type': 'application/octet-stream' });
    const stat = await client.statObject(bucket, key);
    expect(stat.size).toBe(body.length);
    expect(stat.etag).toBeTruthy();
    expect((await readAll(await client.getObject(bucket, key))).equals(body)).toBe(true);
  });

  it('lists objects under a prefix', async () => {
    await client.putObject(bucket, 'runs/r2/nodes/n1/out.bin', Buffer.from('x'));
    const names: string[] = [];
    for await (const item of client.listObjectsV2(bucket, 'runs/r1/', true))
      if (item.name) names.push(item.name);
    expect(names).toEqual([key]);
  });

  it('serves a presigned GET URL to a plain HTTP client, and refuses it once tampered', async () => {
    const url = await client.presignedGetObject(bucket, key, 60);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(body)).toBe(true);

    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace('/n1/', '/n2/');
    expect((await fetch(tampered)).status).toBeGreaterThanOrEqual(400);
  });
});
