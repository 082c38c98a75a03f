"""The ``lambda-lab`` command and its subcommands: course, invoke, price, serve, quiz."""
