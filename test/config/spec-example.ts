/** Shared fixture for the config tests (not a test file itself). */

/** The complete example of the routes.json contract (docs/configuration.md), verbatim. */
export const SPEC_EXAMPLE = String.raw`{
  "listeners": [
    { "port": 8080, "redirectHttps": { "port": 8443 } },
    { "port": 8443, "tls": { "certificates": [
        { "cert": "certs/server.crt", "key": "certs/server.key", "passphraseFile": "certs/pass" } ] } }
  ],
  "pools": {
    "identity": {
      "method": "byrequests",
      "members": [
        { "url": "https://127.0.0.1:9443", "route": "isNode1", "weight": 1 },
        { "url": "https://127.0.0.1:9444", "route": "isNode2", "weight": 1 },
        { "url": "https://127.0.0.1:9445", "standby": true }
      ],
      "sticky": { "cookie": "JSESSIONID", "mode": "route-suffix" },
      "health": {
        "passive": { "maxFails": 1, "window": "10s", "ejectFor": "30s", "failOnStatus": [503] },
        "active": { "path": "/health", "interval": "5s", "timeout": "2s", "rise": 2, "fall": 3 }
      },
      "tls": { "verify": false },
      "timeouts": { "connect": "1s", "response": "5m" }
    },
    "apim-gw": {
      "members": [ { "url": "http://127.0.0.1:8280" } ],
      "sticky": { "cookie": "ROUTEID", "mode": "insert" }
    }
  },
  "routes": [
    { "host": "sso.example.com", "path": "/apim-token", "pool": "apim-gw", "rewritePrefix": "/token" },
    { "host": "sso.example.com", "path": "/is-samlsso", "pool": "identity", "rewritePrefix": "/samlsso",
      "responseHeaders": { "edit": [ { "name": "Location", "match": "^http:", "replace": "https:" } ] },
      "denyMethods": ["TRACE", "OPTIONS"] },
    { "path": "/balancer-manager", "respond": { "status": 404 } },
    { "path": "/", "pool": "identity" }
  ],
  "accessLog": { "format": "combined" }
}`;
