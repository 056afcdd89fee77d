"""The portal (issue 22): `cluster-wb serve`, an HTTP interface beside the command line, at the top layer. It
parses a request, finds the account its key or session belongs to, calls the same services as the commands with
that account's `Scope`, and answers what the command would print. Nothing here decides who may see or change what:
the services do, once, for both interfaces.

- `settings`: what `serve` was started with; `app`: `create_app(settings)`, the Starlette application (routes,
  the one error handler, the upload limit, the worker pool); `api`: the routes under /api/ (a module exporting
  `routes`, as later ones for the pages will); `jobs`: validation and merge, run in worker processes;
  `serve`: uvicorn, the `serving` line, a clean stop on SIGINT or SIGTERM.

Only this package imports starlette, uvicorn and python-multipart (`lint-imports` checks it)."""
