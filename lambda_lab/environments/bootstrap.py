"""What runs inside an execution environment: init the handler, then serve invokes.

This plays the part of AWS's Python runtime interface client: it imports the handler
module once (code outside the handler runs at cold start only), then answers one invoke
at a time with the handler's JSON result or AWS's error document. Timeouts and memory
are enforced from outside (the parent kills this process); nothing here can be trusted
to stop a runaway handler.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import select
import sys
import time
import traceback

from lambda_lab.environments import protocol
from lambda_lab.environments.context import LambdaContext

TYPE_CHECKING = False  # not typing's: the runtime process loads only what it uses
if TYPE_CHECKING:
    from typing import Any

TASK_ROOT_SHOWN = "/var/task"  # what AWS's stack traces show for the code directory
ERROR_LINE_END = "\r"  # the runtime joins a traceback's lines with CR so it stays one log event
ERROR_INDENT = "\u00a0"  # ... and swaps leading spaces for no-break spaces


class RuntimeFault(Exception):
    """An init-phase failure with AWS's error type (Runtime.ImportModuleError, ...)."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


_request_filter = _RequestIdFilter()


def _setup_logging() -> None:
    """The root logger AWS's runtime sets up: level from AWS_LAMBDA_LOG_LEVEL, its text format."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.terminator = ""
    handler.addFilter(_request_filter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING").upper()
    root.setLevel({"TRACE": "DEBUG", "WARN": "WARNING"}.get(level, level))


def _user_frames(tb: Any) -> list[str]:
    """The traceback without the runtime's own frames, paths shown as AWS shows them."""
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(_RUNTIME_DIR)]
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "")
    # Plain (file, line, name, text) tuples, as AWS's runtime formats them: no column carets.
    lines = traceback.format_list([(f.filename, f.lineno or 0, f.name, f.line) for f in frames])
    if task_root:
        lines = [line.replace(task_root, TASK_ROOT_SHOWN) for line in lines]
    if _SHOWN_PREFIX[0]:  # the standard library's files, where AWS's runtime keeps them
        lines = [line.replace(_SHOWN_PREFIX[0] + "/", _SHOWN_PREFIX[1] + "/") for line in lines]
    return lines


_SHOWN_PREFIX = ("", "")


def show_runtime_at(real_prefix: str, shown: str) -> None:
    """In a sandbox: the interpreter's files appear under ``shown`` (/var/lang), in tracebacks
    and in ``sys.prefix``, as on AWS."""
    global _SHOWN_PREFIX
    _SHOWN_PREFIX = (real_prefix, shown)
    sys.prefix = sys.base_prefix = sys.exec_prefix = sys.base_exec_prefix = shown


_RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def error_document(error_type: str, message: str, request_id: str, stack: list[str]) -> dict:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack,
    }


def log_error(doc: dict) -> None:
    """Write the error as AWS's runtime does: one log event, CR-joined, indents made no-break."""
    lines = [f"[ERROR] {doc['errorType']}: {doc['errorMessage']}"]
    if doc["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        for entry in doc["stackTrace"]:
            for part in entry.rstrip("\n").split("\n"):
                stripped = part.lstrip(" ")
                lines.append(ERROR_INDENT * (len(part) - len(stripped)) + stripped)
    text = ERROR_LINE_END.join(lines) + "\n"
    if _LOG_FD < 0:
        sys.stdout.write(text)
        return
    _flush()  # what the handler printed comes first
    os.write(_LOG_FD, text.encode("utf-8", errors="backslashreplace"))  # the runtime's own fd


def load_handler(handler_setting: str) -> Any:
    """Resolve ``file.function`` as AWS does: split on the last dot, '/' becomes a package dot."""
    try:
        module_path, function_name = handler_setting.rsplit(".", 1)
    except ValueError as exc:
        raise RuntimeFault(
            "Runtime.MalformedHandlerName", f"Bad handler '{handler_setting}': {exc}"
        ) from exc
    module_name = module_path.replace("/", ".")
    if module_name in sys.builtin_module_names:
        raise RuntimeFault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        filename = (exc.filename or "").replace(
            os.environ.get("LAMBDA_TASK_ROOT", "\0"), TASK_ROOT_SHOWN
        )
        stack = [f'  File "{filename}" Line {exc.lineno}\n    {(exc.text or "").strip()}\n']
        raise RuntimeFault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", stack
        ) from exc
    except ImportError as exc:
        raise RuntimeFault(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except Exception as exc:  # code at module level raised: AWS reports the user's exception
        raise RuntimeFault(type(exc).__name__, str(exc), _user_frames(exc.__traceback__)) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        raise RuntimeFault(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return handler


RESPONSE_MAX_BYTES = 6_291_556  # AWS's own figure in its error message (6 MB + 100 bytes)


def _to_json(value: Any) -> Any:
    import decimal

    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# json.dumps(result, default=_to_json) would build this encoder on every invoke.
_ENCODER = json.JSONEncoder(default=_to_json)


def _peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_invoke(handler: Any, header: dict, body: bytes | bytearray) -> tuple[dict | bytes, bytes]:
    """One invoke: returns the reply header and the result (or error document) bytes."""
    request_id = header["id"]
    _request_filter.request_id = request_id
    os.environ["_X_AMZN_TRACE_ID"] = header.get("trace", "")
    try:
        event = json.loads(body) if body else {}  # an invoke without a payload delivers {}
    except (ValueError, RecursionError) as exc:
        doc = error_document(
            "Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}", request_id, []
        )
        log_error(doc)
        return _failed(request_id), json.dumps(doc).encode()
    try:
        context = LambdaContext(request_id, header["deadline"], header["arn"], header.get("cc"))
        result = handler(event, context)
    except Exception as exc:
        doc = error_document(
            type(exc).__name__, str(exc), request_id, _user_frames(exc.__traceback__)
        )
        log_error(doc)
        return _failed(request_id), json.dumps(doc).encode()
    try:
        # As AWS's runtime: bytes go back untouched; Decimals (DynamoDB items) become numbers.
        payload = (
            bytes(result)
            if isinstance(result, (bytes, bytearray))
            else _ENCODER.encode(result).encode()
        )
    except (TypeError, ValueError, RecursionError) as exc:  # too deep: AWS's MarshalError too
        doc = error_document(
            "Runtime.MarshalError", f"Unable to marshal response: {exc}", request_id, []
        )
        log_error(doc)
        return _failed(request_id), json.dumps(doc).encode()
    if len(payload) > RESPONSE_MAX_BYTES:
        message = f"Response payload size exceeded maximum allowed payload size ({RESPONSE_MAX_BYTES} bytes)."
        doc = {"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}
        return _failed(request_id), json.dumps(doc).encode()
    # Encoded by hand (every invoke); the id ties the reply to its request (see environment.py).
    return b'{"id":"%s","ok":true,"rss_kb":%d}' % (request_id.encode(), _peak_rss_kb()), payload


def _failed(request_id: str) -> dict:
    return {"id": request_id, "ok": False, "rss_kb": _peak_rss_kb()}


def keep_log(saved_fd: int) -> None:
    """Remember the runtime's own copy of the log file (fds 1 and 2 point at it) and make
    unbuffered text streams over them: a print reaches the log even if the process is
    killed next. A handler may close or redirect fds 0-2; the runtime repairs them before
    the next invoke (AWS's runtime writes its log through a descriptor of its own)."""
    global _LOG_FD, _LOG_ID
    _LOG_FD = saved_fd
    info = os.fstat(saved_fd)
    _LOG_ID = (info.st_dev, info.st_ino)
    if getattr(sys.stdout, "fileno", None) is None or sys.stdout.closed:
        _open_streams()  # (a spare made them already: they write to fds 1 and 2, whatever those are)


def _open_streams() -> None:
    sys.stdout = open(
        1, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False
    )
    sys.stderr = open(
        2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False
    )


_LOG_FD = -1
_LOG_ID: tuple[int, int] = (0, 0)


def _fresh_log() -> None:
    """Before each invoke: its output starts a fresh log file (the runtime's own descriptor)."""
    if _LOG_FD >= 0 and os.lseek(_LOG_FD, 0, os.SEEK_CUR):
        os.ftruncate(_LOG_FD, 0)


def _repair_streams() -> None:
    """After each reply (off the caller's path): fds 1 and 2 on the log again, sys.stdout and
    sys.stderr usable. (A closed fd 0 harms nothing: the runtime never reads it.)"""
    if _LOG_FD < 0:
        return
    for fd in (1, 2):
        try:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) == _LOG_ID:
                continue
        except OSError:
            pass
        os.dup2(_LOG_FD, fd)
    if sys.stdout is None or sys.stdout.closed or sys.stderr is None or sys.stderr.closed:
        _open_streams()


_STANDARD_FINDERS = ("_frozen_importlib", "_frozen_importlib_external")


def prepare_imports() -> None:
    """In a spare, before anyone waits: forget the Lab's own modules (loaded by the template
    to run this environment) and the finders the host's packages may have added, so that a
    handler imports only from ``sys.path`` as :func:`serve` sets it."""
    sys.path[:] = []
    sys.path_importer_cache.clear()
    sys.meta_path[:] = [
        f for f in sys.meta_path if getattr(f, "__module__", "") in _STANDARD_FINDERS
    ]
    for name in _lab_module_names():
        sys.modules.pop(name, None)
    sys.dont_write_bytecode = True
    importlib.invalidate_caches()
    _open_streams()


_NOTED: list = [(), -1]  # the Lab's module names as the template noted them; len(sys.modules)


def settle_template_imports() -> None:
    """In the template, once its imports are done and before it forks environments: what
    every spare's :func:`prepare_imports` would otherwise redo in each copy, touching (and so
    copying, copy-on-write) pages the template's memory shares with it: drop the import
    system's cached directory listings (freeing them in a spare copied ~70 pages), and note
    the Lab's module names (scanning sys.modules wrote to each name's page, ~40 more)."""
    sys.path_importer_cache.clear()
    names = tuple(n for n in sys.modules if n == "lambda_lab" or n.startswith("lambda_lab."))
    _NOTED[:] = [names, len(sys.modules)]


def _lab_module_names() -> list[str] | tuple[str, ...]:
    names, count = _NOTED
    if count == len(sys.modules):  # nothing imported since: the noted names are all of them
        return names
    return [n for n in sys.modules if n == "lambda_lab" or n.startswith("lambda_lab.")]


def serve(
    sock: Any, handler_setting: str, task_root: str, search_path: list[str] | None = None
) -> None:
    """The environment's life: init, report it, then invoke after invoke until the Lab hangs up."""
    os.chdir(task_root)
    if search_path is None:
        sys.path.insert(0, task_root)
    else:  # only what AWS's runtime has: the code, the layers, the bundled SDK, the stdlib
        sys.path[:] = search_path
    _setup_logging()
    LambdaContext.load_static()
    base = _peak_rss_kb()
    try:
        handler = load_handler(handler_setting)
    except RuntimeFault as fault:
        doc = error_document(fault.error_type, fault.message, "", fault.stack)
        log_error(doc)
        protocol.send(
            sock,
            {"id": "init", "ok": False, "rss_kb": _peak_rss_kb(), "base_kb": base},
            json.dumps(doc).encode(),
        )
        return
    protocol.send(sock, {"id": "init", "ok": True, "rss_kb": _peak_rss_kb(), "base_kb": base})
    # Between invokes the runtime sleeps in poll(), not in recv(): a recv() sleeper is woken
    # whenever the Lab reads a reply (the socket's freed space wakes whoever waits on it), a
    # wake-up that runs this process for nothing and that the Lab pays inside its recv().
    # poll() for input only is woken by input only (one context switch per invoke, not two).
    waiting = select.poll()
    waiting.register(sock, select.POLLIN)
    while True:
        waiting.poll()  # (a closed socket wakes it too: recv then sees the end)
        try:
            header, body = protocol.recv_frame(sock)  # a large body stays the bytearray it came in
        except protocol.PeerGone:
            return
        _fresh_log()
        reply, result = run_invoke(handler, header, body)
        _flush()
        protocol.send(sock, reply, result)
        _repair_streams()


def _flush() -> None:
    """Flush what the handler printed; a stream it closed or replaced must not end the runtime."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
