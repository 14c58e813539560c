"""Development tools: the `make run` server and a local mail catcher (also used by the tests)."""
