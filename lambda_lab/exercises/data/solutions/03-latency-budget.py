# Exercise 03-latency-budget: each call within 500 ms, caller waits 1 s, lowest bill.
import hashlib


def lambda_handler(event, context):
    digest = b"start"
    for _ in range(200_000):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()[:16]


CONFIG = {
    "MemorySize": 512,
    "Timeout": 1,
}
