# Exercise 08-right-memory: enough memory with headroom, not more than twice the need.


def lambda_handler(event, context):
    table = bytearray(150 * 1024 * 1024)  # a 150 MB lookup table
    return len(table)


CONFIG = {
    "MemorySize": 256,
}
