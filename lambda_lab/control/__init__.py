"""What is deployed: functions, versions and aliases, permissions, packages, URLs, and the control plane."""
