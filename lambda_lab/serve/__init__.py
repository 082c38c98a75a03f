"""``lambda-lab serve``: the Lab as an AWS endpoint on loopback, and its state kept on disk."""
