// Preloaded into the MCP conformance suite (`node --require`): the suite has no option to send
// a header in server mode, and `toolbench mcp --http` answers 401 to any request without its
// bearer token. This gives the suite's client the token the way any configured client carries
// it: an `Authorization: Bearer` header on its requests to the server under test, and only to
// it. The server runs unchanged, with its token required.
//
// Environment: TOOLBENCH_MCP_URL (the server's URL), TOOLBENCH_MCP_TOKEN_FILE (its token file),
// TOOLBENCH_SUITE_ENTRY (the suite's entry point, to load the suite's own HTTP client, undici).
// The suite sends its requests through undici's global dispatcher: `fetch` from its MCP client,
// `request` from its DNS-rebinding scenario.
"use strict";
const fs = require("fs");
const { createRequire } = require("module");

const server = new URL(process.env.TOOLBENCH_MCP_URL).origin;
const bearer = `Bearer ${fs.readFileSync(process.env.TOOLBENCH_MCP_TOKEN_FILE, "utf8").trim()}`;
const undici = createRequire(process.env.TOOLBENCH_SUITE_ENTRY)("undici");

const withBearer = (dispatch) => (options, handler) => {
  if (new URL(options.origin).origin !== server) {
    return dispatch(options, handler);
  }
  // undici passes headers as an object or as a flat [name, value, ...] array.
  const headers = Array.isArray(options.headers)
    ? [...options.headers, "authorization", bearer]
    : { ...options.headers, authorization: bearer };
  return dispatch({ ...options, headers }, handler);
};
undici.setGlobalDispatcher(undici.getGlobalDispatcher().compose(withBearer));
