// Preloaded into the MCP conformance suite (`node --require`): the suite has no option to send
// a header in server mode, and `toolbench mcp --http` answers 401 to any request without its
// bearer token. This gives the suite's client the token the way any configured client carries
// it: an `Authorization: Bearer` header on its requests to the server under test, and only to
// it. The server runs unchanged, with its token required.
//
// Environment: TOOLBENCH_MCP_URL (the server's URL), TOOLBENCH_MCP_TOKEN_FILE (its token file),
// TOOLBENCH_SUITE_ENTRY (the suite's entry point, to load the suite's own HTTP client, undici).
// The suite sends its requests three ways, and each gets the header:
// - `fetch` (its MCP clients, most scenarios) and undici's `request` (dns-rebinding-protection)
//   go through undici's global dispatcher, which Node's own fetch shares;
// - node's `http.request` (http-header-validation, which wants exact header casing) does not,
//   so `http.request` and `http.get` are wrapped too.
// A request that already carries an Authorization header keeps it.
"use strict";
const fs = require("fs");
const http = require("http");
const { createRequire } = require("module");

const server = new URL(process.env.TOOLBENCH_MCP_URL);
const bearer = `Bearer ${fs.readFileSync(process.env.TOOLBENCH_MCP_TOKEN_FILE, "utf8").trim()}`;
const undici = createRequire(process.env.TOOLBENCH_SUITE_ENTRY)("undici");

const hasAuthorization = (headers) =>
  Array.isArray(headers)
    ? headers.some((h, i) => i % 2 === 0 && String(h).toLowerCase() === "authorization")
    : Object.keys(headers || {}).some((name) => name.toLowerCase() === "authorization");

// Headers come as an object or as a flat [name, value, ...] array.
const plusBearer = (headers) =>
  hasAuthorization(headers)
    ? headers
    : Array.isArray(headers)
      ? [...headers, "authorization", bearer]
      : { ...headers, authorization: bearer };

const withBearer = (dispatch) => (options, handler) =>
  new URL(options.origin).origin === server.origin
    ? dispatch({ ...options, headers: plusBearer(options.headers) }, handler)
    : dispatch(options, handler);
undici.setGlobalDispatcher(undici.getGlobalDispatcher().compose(withBearer));

// http.request(url[, options][, callback]) or http.request(options[, callback]): the request
// is to the server when its host name and port are the server's (the URL's protocol is http:).
const toServer = (url, options) => {
  const target = { ...(url instanceof URL ? urlOptions(url) : url || {}), ...(options || {}) };
  const host = target.hostname || (target.host || "localhost").replace(/:\d+$/, "");
  const port = String(target.port || (target.host || "").match(/:(\d+)$/)?.[1] || 80);
  return host.replace(/^\[|\]$/g, "") === server.hostname.replace(/^\[|\]$/g, "") && port === server.port;
};
const urlOptions = (url) => ({ hostname: url.hostname, port: url.port });

const wrap = (original) =>
  function (...args) {
    let [first, second] = args;
    if (typeof first === "string") {
      first = new URL(first);
      args[0] = first;
    }
    const options = second && typeof second === "object" && typeof second !== "function" ? second : undefined;
    if (!toServer(first, options)) {
      return original.apply(this, args);
    }
    // The headers live in the options object (the second argument when the first is a URL).
    if (first instanceof URL) {
      const merged = { ...(options || {}), headers: plusBearer(options?.headers) };
      return options
        ? original.call(this, first, merged, ...args.slice(2))
        : original.call(this, first, merged, ...args.slice(1));
    }
    args[0] = { ...first, headers: plusBearer(first.headers) };
    return original.apply(this, args);
  };
http.request = wrap(http.request);
http.get = wrap(http.get);
