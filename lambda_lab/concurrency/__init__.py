"""May an invocation run now, and where: admission rules, reserved and provisioned concurrency, memory budget."""
