"""What ran, as data: invocation records, logs, metrics, traces, and reading REPORT lines."""
