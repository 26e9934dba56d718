/**
 * What the service refuses before a route's handler runs, and how it answers what never reaches a route:
 *
 * - tokens in the URL (query string or path), repeated or malformed Authorization headers;
 * - query parameters: integers are decimal digits within the documented bounds, booleans `true`/`false`, each
 *   parameter given once (Ajv's coercion would read `0x10` as 16 and `1e400` as Infinity);
 * - bodies: JSON in UTF-8 only (another charset is 415, bytes that are not UTF-8 a 400), none on routes that take
 *   none;
 * - the framework's own failures (a malformed URL, a path parameter over the router's limit) and the HTTP parser's
 *   (headers too large, malformed requests), answered with the API's error body.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { MIMEType } from "node:util";
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, hasToken, redactTokens } from "./errors";

/** Query parameter names that carry credentials by convention. */
const TOKEN_PARAM = /^(access[_-]?token|token|api[_-]?key|auth|authorization|bearer|key|secret)$/i;

/**
 * The first query parameter of `url` that carries a token (by its name, or a value that looks like a basphere
 * token), or undefined. Names are truncated for the error body.
 */
export function tokenInQuery(url: string): string | undefined {
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(url.slice(q + 1));
  } catch {
    return undefined;
  }
  for (const [k, v] of params) {
    if (hasToken(k)) return "[a parameter named like a token]"; // never echo the token back
    if (TOKEN_PARAM.test(k) || hasToken(v)) return k.slice(0, 40);
  }
  return undefined;
}

/** `s` percent-decoded where it can be (a malformed escape leaves the text as it is). */
function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** True when the path of `url` (raw or percent-decoded) holds a token-shaped string. */
export function tokenInPath(url: string): boolean {
  const path = url.split("?")[0];
  return hasToken(path) || hasToken(decoded(path));
}

/** A URL as it may be logged or echoed: path percent-decoded with tokens redacted, query string omitted. */
export function safeUrl(url: string): string {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  return redactTokens(hasToken(path) ? path : decoded(path)) + (q < 0 ? "" : "?[query omitted]");
}

/** Every Authorization header of the request as sent (Node keeps only the first in `headers`). */
export function authorizationHeaders(req: FastifyRequest): string[] {
  const raw = req.raw.rawHeaders ?? [];
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (raw[i].toLowerCase() === "authorization") out.push(raw[i + 1]);
  return out;
}

/**
 * Checks the credentials a request carries: refuses tokens in the URL, more than one Authorization header, and an
 * Authorization header that is not `Bearer <one token>`. Returns the bearer token (undefined when there is no
 * header). `refuseMalformed`: whether a malformed header is an error (routes that need a token) or ignored (public).
 */
export function credentials(req: FastifyRequest, refuseMalformed: boolean): string | undefined {
  const inQuery = tokenInQuery(req.url);
  if (inQuery)
    throw new ApiError(400, "token_in_url", "tokens are accepted only in the Authorization header", [
      { field: `querystring.${inQuery}`, message: "must not carry a token (use Authorization: Bearer)" },
    ]);
  if (tokenInPath(req.url))
    throw new ApiError(400, "token_in_url", "tokens are accepted only in the Authorization header", [
      { field: "path", message: "must not carry a token (use Authorization: Bearer)" },
    ]);
  const headers = authorizationHeaders(req);
  if (headers.length > 1)
    throw new ApiError(400, "ambiguous_credentials", "more than one Authorization header: send exactly one", [
      { field: "headers.authorization", message: `is given ${headers.length} times; send it once` },
    ]);
  if (headers.length === 0) return undefined;
  const m = /^Bearer[ \t]+([!-~]{1,512})[ \t]*$/i.exec(headers[0]);
  if (!m || /,/.test(m[1])) {
    if (!refuseMalformed) return undefined;
    throw new ApiError(
      401,
      "unauthorized",
      "the Authorization header must be `Bearer <token>` with exactly one token",
      [{ field: "headers.authorization", message: "must be `Bearer <token>` with exactly one token" }],
    );
  }
  return m[1];
}

interface QueryProperty {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
}

/** Largest number of digits an integer query parameter may have (`Number.MAX_SAFE_INTEGER` has 16). */
const MAX_DIGITS = 16;

/**
 * Reads the query parameters the route declares as integers or booleans from their text, strictly: an integer is
 * 1-16 decimal digits (no sign, exponent, hex or spaces; the schema's bounds then apply), a boolean `true` or
 * `false`, and every parameter is given once. Throws a 400 naming the parameter; leaves unknown ones to the schema.
 */
export function readQuery(req: FastifyRequest): void {
  const schema = req.routeOptions.schema?.querystring as
    { properties?: Record<string, QueryProperty> } | undefined;
  const query = req.query as Record<string, unknown> | undefined;
  if (!schema?.properties || !query || typeof query !== "object") return;
  for (const [name, value] of Object.entries(query)) {
    const prop = Object.prototype.hasOwnProperty.call(schema.properties, name)
      ? schema.properties[name]
      : undefined;
    if (!prop) continue;
    const field = `querystring.${name}`;
    if (typeof value !== "string") throw ApiError.invalid([{ field, message: "must be given once" }]);
    if (prop.type === "integer") {
      if (!new RegExp(`^[0-9]{1,${MAX_DIGITS}}$`).test(value)) {
        const bounds =
          prop.minimum !== undefined && prop.maximum !== undefined
            ? ` from ${prop.minimum} to ${prop.maximum}`
            : prop.minimum !== undefined
              ? ` of at least ${prop.minimum}`
              : "";
        throw ApiError.invalid([{ field, message: `must be a decimal integer${bounds} (digits only)` }]);
      }
      query[name] = Number(value);
    } else if (prop.type === "boolean") {
      if (value !== "true" && value !== "false")
        throw ApiError.invalid([{ field, message: "must be true or false" }]);
      query[name] = value === "true";
    }
  }
}

/** A route without a body schema takes no body: one sent anyway is refused, not ignored. */
export function refuseUnexpectedBody(req: FastifyRequest): void {
  // No route matched (`/v1/tenants/./spec` is `/v1/tenants/spec`): the 404 names the path, not the body.
  if (req.is404) return;
  if (req.routeOptions.schema?.body === undefined && req.body !== undefined && req.body !== null)
    throw ApiError.invalid([{ field: "body", message: "this route takes no request body" }]);
}

/**
 * The JSON body parser: UTF-8 only (a `charset` other than UTF-8 is 415; bytes that are not UTF-8 are a 400, not
 * replacement characters), then Fastify's own JSON parser (prototype poisoning refused).
 */
export function jsonBodyParser(
  parseJson: (req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => void,
) {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return (req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void): void => {
    const header = String(req.headers["content-type"] ?? "");
    let charset: string | null = null;
    try {
      charset = new MIMEType(header).params.get("charset");
    } catch {
      return done(
        new ApiError(415, "unsupported_media_type", "the Content-Type header is not a valid media type", [
          { field: "headers.content-type", message: "is not a valid media type" },
        ]),
      );
    }
    if (charset !== null && !/^utf-?8$/i.test(charset)) {
      return done(
        new ApiError(
          415,
          "unsupported_media_type",
          `charset ${JSON.stringify(charset.slice(0, 40))} is not supported`,
          [
            {
              field: "headers.content-type",
              message: "must be application/json in UTF-8 (charset=utf-8 or none)",
            },
          ],
        ),
      );
    }
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      return done(ApiError.invalid([{ field: "body", message: "is not valid UTF-8" }]));
    }
    parseJson(req, text, done);
  };
}

/** Fastify's errors that happen before routing (malformed percent-encoding, a path parameter over the limit). */
export function frameworkErrors(
  err: Error & { code?: string },
  _req: FastifyRequest,
  reply: FastifyReply,
): void {
  const api =
    err.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? new ApiError(414, "uri_too_long", "a path segment is longer than 200 characters", [
          { field: "path", message: "has a segment longer than 200 characters" },
        ])
      : err.code === "FST_ERR_BAD_URL"
        ? new ApiError(400, "bad_url", "the path is not a valid URL path (malformed percent-encoding)", [
            { field: "path", message: "holds a malformed percent-encoding" },
          ])
        : new ApiError(400, "bad_request", "the request could not be routed", [
            { field: "request", message: "could not be routed" },
          ]);
  void reply.code(api.statusCode).type("application/json; charset=utf-8").send(api.body());
}

/** What the HTTP parser refused, by Node's error code: status, code, field, message. */
function parserError(code: string | undefined): [number, string, string, string] {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return [
        431,
        "headers_too_large",
        "headers",
        "the request's headers are larger than the server accepts",
      ];
    case "ERR_HTTP_REQUEST_TIMEOUT":
    case "ERR_HTTP_HEADERS_TIMEOUT":
      return [408, "request_timeout", "request", "the request did not arrive in time"];
    case "HPE_INVALID_HEADER_TOKEN":
      return [400, "malformed_request", "headers", "a header name or value holds a forbidden character"];
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
    case "HPE_INVALID_TRANSFER_ENCODING":
      return [
        400,
        "malformed_request",
        "headers.transfer-encoding",
        "Content-Length and Transfer-Encoding together, or an invalid Transfer-Encoding",
      ];
    case "HPE_INVALID_CONTENT_LENGTH":
      return [400, "malformed_request", "headers.content-length", "the Content-Length header is not valid"];
    case "HPE_INVALID_CHUNK_SIZE":
    case "HPE_INVALID_EOF_STATE":
      return [400, "malformed_request", "body", "the chunked body is malformed (a chunk size is not valid)"];
    case "HPE_INVALID_METHOD":
      return [400, "malformed_request", "method", "the request method is not valid"];
    case "HPE_INVALID_URL":
      return [400, "malformed_request", "path", "the request target holds a forbidden character"];
    default:
      return [400, "malformed_request", "request", "the request is not valid HTTP/1.1"];
  }
}

/**
 * Answers what Node's HTTP parser refused (headers too large, control bytes, Content-Length with
 * Transfer-Encoding, a bad chunk size...) with the API's error body, then closes the connection. Nothing of the
 * request is logged but the parser's error code (the raw bytes may hold a token).
 */
export function clientErrorHandler(log: FastifyBaseLogger) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const [status, code, field, message] = parserError(err.code);
    log.info({ clientError: err.code ?? "unknown", statusCode: status }, "refused a malformed request");
    const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !response?.headersSent) {
      const body = JSON.stringify(new ApiError(status, code, message, [{ field, message }]).body());
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
