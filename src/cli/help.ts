export const HELP = `edge-proxy: a load-balancing reverse proxy in one executable

Usage:
  proxy                         serve an embedded demo on http://127.0.0.1:8080
  proxy --routes routes.json    serve the given configuration
  proxy check routes.json       validate a configuration and print a summary (like nginx -t)
  proxy cert <command> ...      make and inspect certificates (proxy cert --help)
  proxy --help | --version

Options:
  --routes FILE   the configuration (see README.md and the routes.json reference)
  --watch         reload when the routes file changes (also a Kubernetes ConfigMap symlink swap)
  --user NAME     bind the ports as root, then run as NAME
  --quiet         no access log lines for the demo

Signals: SIGHUP reloads routes.json and certificates (a bad file keeps the running one);
SIGTERM/SIGINT stop gracefully (in-flight requests finish).
`;
