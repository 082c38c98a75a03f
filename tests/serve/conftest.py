"""The endpoint fixtures (a served Lab, both AWS CLIs) for the serve tests."""

from serve_fixtures import aws_v2, no_real_aws_config, served, version  # noqa: F401
