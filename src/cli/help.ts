/** Help texts: `proxy --help` and each subcommand's `--help`. They point at docs/ in the repository. */
export const REFERENCE_HINT = "Configuration reference: docs/configuration.md (and `proxy schema` for editors)";

export const HELP = `edge-proxy: a load-balancing reverse proxy in one executable

Usage:
  proxy                         serve an embedded demo on http://127.0.0.1:8080
  proxy --routes routes.json    serve the given configuration
  proxy check routes.json       validate a configuration and print a summary (like nginx -t)
  proxy schema                  print the JSON Schema of routes.json
  proxy cert <command> ...      make and inspect certificates (proxy cert --help)
  proxy import apache|nginx FILE [-o routes.json]
                                convert an Apache vhost or NGINX config (proxy import --help)
  proxy token --secret-file F   mint an admin API token (--scope read|write, --ttl 8h, --subject NAME)
  proxy --help | --version

Options:
  --routes FILE   the configuration
  --watch         reload when the routes file changes (also a Kubernetes ConfigMap symlink swap)
  --workers N     run N processes (or "auto": one per CPU) on the same ports
  --user NAME     bind the ports as root, then run as NAME
  --quiet         no access log lines for the demo

Every subcommand answers --help.
Signals: SIGHUP reloads routes.json and certificates (a bad file keeps the running one);
USR1 reopens the log files; SIGTERM/SIGINT/SIGQUIT stop gracefully (in-flight requests finish).
${REFERENCE_HINT}
`;

export const CHECK_HELP = `usage: proxy check routes.json   (or: proxy check --routes routes.json)

Validates routes.json as \`proxy --routes\` would load it (like nginx -t): the schema, references
between fields, files it names (certificates, keys, passphrases, CA files), the access log's
directory, and whether each listener's address can be bound. Prints a summary and exits 0, or
prints every error with its JSON path and exits 1. Warnings go to stderr and do not fail.

${REFERENCE_HINT}
`;

export const SCHEMA_HELP = `usage: proxy schema

Prints the JSON Schema (draft 07) of routes.json on stdout, generated from the schema the proxy
validates with. Save it and point editors at it:
  proxy schema > routes.schema.json
  { "$schema": "./routes.schema.json", "listeners": [...], ... }
The proxy ignores "$schema".

${REFERENCE_HINT}
`;
