"""The use cases: what the API, the CLI and the node's loops call — intake of reports, the decision and its
commit (services), issuing and lifting alerts (issuing), the dependencies they run with (deps) and the
wiring of adapters from settings (bootstrap). The domain is below them; HTTP, CLI and stores at the edges."""
