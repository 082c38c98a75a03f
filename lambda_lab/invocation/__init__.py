"""How one call runs: the synchronous pipeline, background dispatch, and asynchronous invocation."""
