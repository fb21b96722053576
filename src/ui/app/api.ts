// The dashboard's fetch client: JSON in and out, same-origin cookie auth (the session cookie is httpOnly; the
// browser sends it), errors as ApiError with the server's CLK_ERR_* code. A 401 means the session ended: the app
// then goes to the login page (onUnauthorized). `fetch` is injected so the client can be tested without a browser.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The envelope of every GET /api/stats/<tile> answer (docs/dashboard-api.md). */
export interface Envelope<T> {
  readonly site: string;
  readonly from: string;
  readonly to: string;
  readonly filters: readonly unknown[];
  readonly data: T;
}

export interface ApiOptions {
  readonly fetch?: typeof fetch;
  /** Called once on a 401 (session expired or never logged in). */
  readonly onUnauthorized?: () => void;
}

export interface Api {
  get<T>(path: string, params?: URLSearchParams, signal?: AbortSignal): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
}

export function createApi(opts: ApiOptions = {}): Api {
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const call = async <T>(path: string, init: RequestInit): Promise<T> => {
    const res = await doFetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) {
      const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const code = typeof err?.code === 'string' ? err.code : `HTTP_${res.status}`;
      const message = typeof err?.message === 'string' ? err.message : `${res.status} ${res.statusText}`.trim();
      if (res.status === 401) opts.onUnauthorized?.();
      throw new ApiError(res.status, code, message);
    }
    return body as T;
  };
  return {
    get: (path, params, signal) => {
      const qs = params && [...params.keys()].length > 0 ? `?${params.toString()}` : '';
      return call(path + qs, { method: 'GET', ...(signal ? { signal } : {}) });
    },
    send: (method, path, body, signal) =>
      call(path, {
        method,
        // Always JSON (even without a body): the server accepts a cookie-authenticated state change only as
        // application/json, which a cross-site form cannot send (CSRF protection, src/auth).
        body: JSON.stringify(body ?? {}),
        headers: { 'content-type': 'application/json' },
        ...(signal ? { signal } : {}),
      }),
  };
}
