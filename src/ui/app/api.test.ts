import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, createApi } from './api.js';

function fakeFetch(status: number, body: string, seen: { url: string; init: RequestInit }[]): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
}

describe('dashboard API client', () => {
  it('sends query parameters and JSON bodies, parses the answer', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const api = createApi({ fetch: fakeFetch(200, '{"data":{"visitors":3}}', seen) });
    const got = await api.get<{ data: { visitors: number } }>('/api/stats/overview', new URLSearchParams('site=a&filter=page:/x'));
    assert.equal(got.data.visitors, 3);
    assert.equal(seen[0]!.url, '/api/stats/overview?site=a&filter=page%3A%2Fx');
    await api.send('POST', '/api/query', { sql: 'SELECT 1' });
    assert.equal(seen[1]!.init.method, 'POST');
    assert.equal(seen[1]!.init.body, '{"sql":"SELECT 1"}');
    assert.equal((seen[1]!.init.headers as Record<string, string>)['content-type'], 'application/json');
    await api.send('DELETE', '/api/funnels/x');
    assert.equal(seen[2]!.init.body, '{}', 'a state change without a body still sends JSON');
    assert.equal((seen[2]!.init.headers as Record<string, string>)['content-type'], 'application/json');
  });

  it('turns error answers into ApiError with the server code, and reports a 401', async () => {
    let unauthorized = 0;
    const api = createApi({
      fetch: fakeFetch(401, '{"error":{"code":"CLK_ERR_UNAUTHORIZED","message":"log in"}}', []),
      onUnauthorized: () => unauthorized++,
    });
    await assert.rejects(api.get('/api/sites'), (err: unknown) => err instanceof ApiError && err.status === 401 && err.code === 'CLK_ERR_UNAUTHORIZED' && err.message === 'log in');
    assert.equal(unauthorized, 1);
    const broken = createApi({ fetch: fakeFetch(502, '<html>bad gateway</html>', []) });
    await assert.rejects(broken.get('/x'), (err: unknown) => err instanceof ApiError && err.code === 'HTTP_502');
  });
});
