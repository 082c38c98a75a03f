# Exercise 12-broken-layer: the function parses its settings with PyYAML, from the team's layer.
# Every call fails. Read the verdict, then fix CONFIG (the code is fine).
import yaml

CONFIG = {
    "Runtime": "python3.12",
    "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:pyyaml:2"],
}


def lambda_handler(event, context):
    settings = yaml.safe_load(event["settings"])
    return {"retries": settings["retries"], "regions": settings["regions"]}
