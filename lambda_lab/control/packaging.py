"""Deployment packages: the ZIP AWS takes, and short forms for notebooks that end in the same ZIP.

``package()`` turns inline source text, a file, a folder or a Python function into the
bytes you would upload with ``Code={"ZipFile": ...}``; the Lab only ever deploys ZIPs.
``code_package()`` reads the ``Code`` member of CreateFunction (inline ``ZipFile``, or
``S3Bucket``/``S3Key``/``S3ObjectVersion`` in the Lab's S3) and ``zip_from_s3()`` reads one
object for any operation that takes code from S3 (PublishLayerVersion too).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import sys
import zipfile
from collections.abc import Callable
from typing import Any

from lambda_lab import errors, limits

DEFAULT_FILE = "lambda_function.py"  # the name the console's blueprints use


def package(
    code: str | os.PathLike[str] | Callable[..., Any], filename: str = DEFAULT_FILE
) -> bytes:
    """ZIP bytes for a function's code.

    ``code`` may be source text (stored as ``filename``), a path to a ``.py`` file, a path
    to a folder (zipped whole, as ``zip -r`` from inside it would), or a Python function
    (its module-level source is not included: only the function, stored as ``filename``).
    """
    if callable(code):
        import inspect  # (here: source text and paths, the usual case, need neither)
        import textwrap

        source = textwrap.dedent(inspect.getsource(code))
        return _zip({filename: source.encode()})
    if isinstance(code, os.PathLike) or (isinstance(code, str) and _looks_like_path(code)):
        path = os.fspath(code)
        if os.path.isdir(path):
            return _zip_folder(path)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return _zip({os.path.basename(path): handle.read()})
        raise FileNotFoundError(f"no such file or folder to package: {path}")
    if isinstance(code, str):
        return _zip({filename: code.encode()})
    raise TypeError(f"code must be source text, a path or a function (got {type(code).__name__})")


def _looks_like_path(text: str) -> bool:
    """One line with no Python keyword in it is meant as a path (a typo must not become code)."""
    if "\n" in text or len(text) > 4096:
        return False
    return os.path.exists(text) or not any(
        word in text for word in ("def ", "import ", "lambda", "return")
    )


def zip_files(files: dict[str, bytes]) -> bytes:
    """A ZIP of ``{path inside the archive: bytes}``, with fixed timestamps and modes."""
    return _zip(files)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _zip_folder(folder: str) -> bytes:
    return _zip(read_folder(folder))


def read_folder(folder: str) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path (caches and checkpoints left out)."""
    files: dict[str, bytes] = {}
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".ipynb_checkpoints"))
        for name in names:
            full = os.path.join(root, name)
            with open(full, "rb") as handle:
                files[os.path.relpath(full, folder).replace(os.sep, "/")] = handle.read()
    return files


def decode_zip_argument(value: Any) -> bytes:
    """``ZipFile`` as it comes over the wire (base64 text) or from Python (bytes)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            raise errors.InvalidParameterValueException(
                "ZipFile must be base64-encoded ZIP bytes"
            ) from None
    raise errors.InvalidParameterValueException(
        f"Code.ZipFile must be bytes (got {type(value).__name__})"
    )


def code_package(code: Any, s3_client: Callable[[], Any]) -> tuple[bytes, int | None]:
    """(ZIP bytes, the zipped-size limit that applies) for a ``Code`` member.

    An inline ZipFile may be at most 50 MB zipped; code read from S3 has no zipped limit of
    its own (only the 250 MB unzipped one). ``s3_client()`` gives a boto3 S3 client.
    """
    if not isinstance(code, dict):
        raise errors.InvalidParameterValueException(
            "Code must name the package: {'ZipFile': b'...'} or {'S3Bucket': ..., 'S3Key': ...}"
        )
    if code.get("ZipFile") is not None:
        if code.get("S3Bucket") or code.get("S3Key") or code.get("S3ObjectVersion"):
            raise errors.InvalidParameterValueException(
                "Please do not provide other FunctionCode parameters when providing a ZipFile."
            )
        return decode_zip_argument(code["ZipFile"]), limits.ZIP_MAX_BYTES
    if code.get("S3Bucket") or code.get("S3Key"):
        if not (code.get("S3Bucket") and code.get("S3Key")):
            raise errors.InvalidParameterValueException(
                "S3Bucket and S3Key are both required to read code from S3 (got only "
                f"{'S3Bucket' if code.get('S3Bucket') else 'S3Key'})"
            )
        client = s3_client()
        return zip_from_s3(
            client, code["S3Bucket"], code["S3Key"], code.get("S3ObjectVersion")
        ), None
    raise errors.InvalidParameterValueException(
        "Code needs ZipFile, or S3Bucket and S3Key (got none of them)"
    )


def zip_from_s3(client: Any, bucket: str, key: str, version: str | None = None) -> bytes:
    """The bytes of one S3 object, or the InvalidParameterValueException AWS answers with
    when it cannot read it (``Error occurred while GetObject. S3 Error Code: NoSuchKey...``)."""
    from botocore.exceptions import ClientError

    extra = {"VersionId": version} if version else {}
    try:
        return bytes(client.get_object(Bucket=bucket, Key=key, **extra)["Body"].read())
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise errors.InvalidParameterValueException(
            f"Error occurred while GetObject. S3 Error Code: {error.get('Code')}. "
            f"S3 Error Message: {error.get('Message')}"
        ) from None


def code_sha256(zip_bytes: bytes) -> str:
    """CodeSha256 as AWS reports it: base64 of the SHA-256 of the ZIP."""
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


def extract(
    zip_bytes: bytes, destination: str, max_zip_bytes: int | None = limits.ZIP_MAX_BYTES
) -> int:
    """Unpack a deployment package; returns its unzipped size. Rejects what AWS rejects.

    ``max_zip_bytes`` is the zipped limit of an inline upload (None for code from S3).
    """
    if max_zip_bytes is not None and len(zip_bytes) > max_zip_bytes:
        raise errors.RequestEntityTooLargeException(
            f"Zipped size must be smaller than {max_zip_bytes} bytes"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise errors.InvalidParameterValueException(
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        ) from None
    total = sum(m.file_size for m in members)
    if total > limits.UNZIPPED_MAX_BYTES:
        raise errors.InvalidParameterValueException(
            f"Unzipped size must be smaller than {limits.UNZIPPED_MAX_BYTES} bytes"
        )
    os.makedirs(destination, exist_ok=True)
    root = os.path.realpath(destination)
    for member in members:
        target = os.path.realpath(os.path.join(root, member.filename))
        if not target.startswith(root + os.sep) and target != root:
            raise errors.InvalidParameterValueException(
                f"Could not unzip uploaded file: entry {member.filename!r} points outside the package"
            )
    archive.extractall(root)
    for member in members:  # keep executable bits (a custom runtime's bootstrap needs them)
        mode = (member.external_attr >> 16) & 0o777
        if mode:
            os.chmod(os.path.join(root, member.filename), mode | 0o400)
    return total


def installed_files(*distributions: str, dependencies: bool = True) -> dict[str, bytes]:
    """The files of packages installed in this Python (and of what they require), by their
    path inside site-packages: what ``pip install --target`` would put in a folder."""
    from importlib import metadata

    files: dict[str, bytes] = {}
    pending, seen = list(distributions), set()
    while pending:
        wanted = pending.pop()
        key = wanted.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(wanted)
        except metadata.PackageNotFoundError:
            if wanted in distributions:
                raise FileNotFoundError(
                    f"{wanted!r} is not installed in this Python ({sys.executable}): "
                    f"pip install {wanted} first"
                ) from None
            continue  # an optional dependency that is not here
        for entry in dist.files or ():
            parts = entry.parts
            if not parts or parts[0] == ".." or "__pycache__" in parts:
                continue
            path = str(dist.locate_file(entry))
            if os.path.isfile(path):
                with open(path, "rb") as handle:
                    files["/".join(parts)] = handle.read()
        if dependencies:
            for requirement in dist.requires or ():
                if "extra ==" in requirement or "extra==" in requirement:
                    continue
                name = re.match(r"[A-Za-z0-9._-]+", requirement)
                if name:
                    pending.append(name.group(0))
    return files


def layer_from_installed(*distributions: str, dependencies: bool = True) -> bytes:
    """A layer ZIP of installed packages under ``python/``, where AWS's Python runtime finds
    a layer's modules (/opt/python). Binary packages must suit the function's runtime and
    architecture, as on AWS: this machine's build is what goes in."""
    files = installed_files(*distributions, dependencies=dependencies)
    return _zip({f"python/{name}": data for name, data in files.items()})
