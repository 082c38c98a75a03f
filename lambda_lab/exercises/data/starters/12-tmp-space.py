# Exercise 12-tmp-space: a job that unpacks a 600 MB dataset into /tmp.
# Leave the code as it is; give the function the /tmp it needs in CONFIG.
import os
import tempfile

CONFIG = {"MemorySize": 1024, "Timeout": 60}

TMP = tempfile.gettempdir()  # "/tmp" on Lambda
CHUNK = b"\0" * (8 * 1024 * 1024)


def lambda_handler(event, context):
    target = os.path.join(TMP, "dataset.bin")
    try:
        with open(target, "wb") as file:
            for _ in range(event["dataset_mb"] // 8):  # stands for unzipping a file from S3
                file.write(CHUNK)
        return {"unpacked_mb": os.path.getsize(target) // (1024 * 1024)}
    finally:
        if os.path.exists(target):
            os.remove(target)  # /tmp outlives the call in a warm environment: leave it empty
