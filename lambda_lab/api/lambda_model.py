"""botocore's model of Lambda, read straight from its file, without importing botocore.

The Lab validates every Lambda operation's input against botocore's service model (see
:mod:`lambda_lab.api.validation`). Getting that model through a botocore session costs a
fresh process well over 100 ms: importing botocore (urllib3, its docs machinery...) and its
loader listing every service folder. A learner's first ``lab.deploy`` needs none of it: it
needs the operations' names and routes and their input shapes. This module reads the same
file botocore's loader would choose (``lambda/<latest api version>/service-2.json[.gz]``
under botocore's data folder) and gives those parts with botocore's meaning:

* :class:`Shape` has the attributes validation reads (``type_name``, ``members``,
  ``required_members``, ``metadata``, ``enum``, ``member``, ``key``, ``value``), built by
  botocore's rules: a member reference's own traits are laid over the shape it names, and
  ``metadata`` holds the same keys as botocore's ``Shape.metadata``;
* :class:`LambdaModel` has ``operation_names`` and ``operation_model(name)`` (``name``,
  ``http``, ``input_shape``).

Where botocore's loader would not simply take that file (models under ``~/.aws/models``,
an ``sdk`` extras file beside it), the data comes from botocore's own loader instead, so
the answer is always the one a botocore session gives. The parts read (all but the
documentation) are kept per machine, so a fresh process reads a small JSON file instead of
decompressing and decoding the whole model. HTTP parsing and serialising keep
using botocore's full model (:func:`lambda_lab.api.operation.service_model`); a test
compares every input shape here with botocore's.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import zlib
from typing import Any

SERVICE = "lambda"
MODEL_TYPE = "service-2"
CACHE_FILE = "lambda-model.json"
# botocore.model.Shape.METADATA_ATTRS: the keys botocore copies into ``Shape.metadata``.
METADATA_ATTRS = (
    "required",
    "min",
    "max",
    "pattern",
    "sensitive",
    "enum",
    "idempotencyToken",
    "error",
    "exception",
    "endpointdiscoveryid",
    "retryable",
    "document",
    "union",
    "contextParam",
    "clientContextParams",
    "requiresLength",
)
_GZIP_WINDOW = 16 + zlib.MAX_WBITS  # zlib reads the gzip format with this window size


class Shape:
    """One shape of the model, as botocore's ``Shape`` subclasses present it to validation."""

    def __init__(self, name: str, model: dict[str, Any], shapes: dict[str, Any]) -> None:
        self.name = name
        self.type_name: str = model["type"]
        self._model = model
        self._shapes = shapes
        self.metadata = {key: model[key] for key in METADATA_ATTRS if key in model}

    @property
    def required_members(self) -> list[str]:
        return self.metadata.get("required", [])

    @property
    def enum(self) -> list[str]:
        return self.metadata.get("enum", [])

    @functools.cached_property
    def members(self) -> dict[str, Shape]:
        return {
            name: resolve(ref, self._shapes) for name, ref in self._model.get("members", {}).items()
        }

    @functools.cached_property
    def member(self) -> Shape:
        return resolve(self._model["member"], self._shapes)

    @functools.cached_property
    def key(self) -> Shape:
        return resolve(self._model["key"], self._shapes)

    @functools.cached_property
    def value(self) -> Shape:
        return resolve(self._model["value"], self._shapes)

    def __repr__(self) -> str:
        return f"<Shape({self.name})>"


def resolve(ref: dict[str, Any], shapes: dict[str, Any]) -> Shape:
    """The shape a member reference names, with the reference's own traits laid over it
    (botocore's ``ShapeResolver.resolve_shape_ref``)."""
    name = ref["shape"]
    model = shapes[name]
    if len(ref) > 1:
        model = {**model, **{k: v for k, v in ref.items() if k != "shape"}}
    return Shape(name, model, shapes)


class OperationModel:
    """An operation's name, HTTP route and input shape."""

    def __init__(self, name: str, model: dict[str, Any], shapes: dict[str, Any]) -> None:
        self.name = name
        self.http: dict[str, Any] = model.get("http", {})
        self._model = model
        self._shapes = shapes

    @functools.cached_property
    def input_shape(self) -> Shape | None:
        ref = self._model.get("input")
        return None if ref is None else resolve(ref, self._shapes)


class LambdaModel:
    """The operations of botocore's Lambda model (the parts validation and routing need)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._operations: dict[str, dict[str, Any]] = data["operations"]
        self._shapes: dict[str, Any] = data["shapes"]
        self.metadata: dict[str, Any] = data.get("metadata", {})
        self._made: dict[str, OperationModel] = {}

    @property
    def operation_names(self) -> list[str]:
        return list(self._operations)

    def operation_model(self, name: str) -> OperationModel:
        found = self._made.get(name)
        if found is None:
            found = self._made[name] = OperationModel(name, self._operations[name], self._shapes)
        return found


@functools.lru_cache(maxsize=1)
def lambda_model() -> LambdaModel:
    """The model botocore would load for Lambda, read once per process."""
    return LambdaModel(_model_data())


def _model_data() -> dict[str, Any]:
    found = model_file()
    if found is None:  # not the plain case: botocore's loader decides
        from lambda_lab.client import botocore_session

        data: dict[str, Any] = botocore_session().get_service_data(SERVICE)
        return data
    return _kept_or_read(found)


def _kept_or_read(path: str, cache_base: str | None = None) -> dict[str, Any]:
    """The model in ``path`` without its documentation (which nothing here reads), kept per
    machine beside the Labs' other answers (:mod:`probe_cache`) under a key made of the
    file's identity: reading the kept copy takes a quarter of decompressing and decoding
    the file."""
    from lambda_lab.environments import probe_cache

    if cache_base is None:
        from lambda_lab.wiring.lifetime import run_base_dir

        cache_base = run_base_dir()
    info = os.stat(path)
    key = json.dumps([path, info.st_ino, info.st_size, info.st_mtime_ns])
    digest = hashlib.sha256(key.encode()).hexdigest()
    kept = probe_cache.recall_entry(cache_base, digest, CACHE_FILE)
    if kept is not None and isinstance(kept.get("model"), dict):
        model: dict[str, Any] = kept["model"]
        return model
    with open(path, "rb") as file:
        raw = file.read()
    data = json.loads(zlib.decompress(raw, _GZIP_WINDOW) if path.endswith(".gz") else raw)
    model = _without_documentation(data)
    probe_cache.remember_entry(cache_base, digest, {"model": model}, CACHE_FILE)
    return model


def _without_documentation(value: Any, members: bool = False) -> Any:
    """``value`` without its "documentation" entries (a member of that name stays)."""
    if isinstance(value, dict):
        return {
            k: _without_documentation(v, members=k == "members")
            for k, v in value.items()
            if members or k != "documentation"
        }
    if isinstance(value, list):
        return [_without_documentation(item) for item in value]
    return value


def model_file() -> str | None:
    """The file botocore's loader reads for Lambda's model, when it would read it alone: the
    latest API version under botocore's data folder, with no models under ``~/.aws/models``
    and no ``sdk`` extras to merge in. None otherwise (botocore's loader must decide)."""
    spec = importlib.util.find_spec("botocore")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    customer = os.path.join(os.path.expanduser("~"), ".aws", "models", SERVICE)
    if os.path.isdir(customer):
        return None
    service_dir = os.path.join(list(spec.submodule_search_locations)[0], "data", SERVICE)
    try:
        versions = sorted(os.listdir(service_dir), reverse=True)
    except OSError:
        return None
    for version in versions:  # the latest version that has a service-2 file
        folder = os.path.join(service_dir, version)
        for extension in (".json", ".json.gz"):  # botocore's loader tries them in this order
            path = os.path.join(folder, MODEL_TYPE + extension)
            if os.path.isfile(path):
                extras = os.path.join(folder, f"{MODEL_TYPE}.sdk-extras")
                if any(os.path.isfile(extras + e) for e in (".json", ".json.gz")):
                    return None
                return path
    return None
