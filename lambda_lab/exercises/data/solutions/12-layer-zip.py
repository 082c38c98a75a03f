# Exercise 12-layer-zip: a build step, run as a function. The event holds a library's files,
# {"greetings/__init__.py": "...", "greetings/words.py": "..."}; return the layer ZIP (base64)
# that lets Python functions write `from greetings import greet`.
import base64
import io
import zipfile


def add(archive, name, text):
    """One file in the ZIP, readable by everyone: Lambda runs code as an unprivileged user."""
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.external_attr = 0o644 << 16
    archive.writestr(entry, text, zipfile.ZIP_DEFLATED)


def lambda_handler(event, context):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in event["files"].items():
            add(archive, f"python/{path}", text)  # /opt/python is on every Python runtime's path
    return {"zip": base64.b64encode(buffer.getvalue()).decode()}
