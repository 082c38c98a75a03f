"""What a handler sees of its file system and imports: AWS's, on hosts that allow namespaces.

Code read-only at /var/task (its cwd, LAMBDA_TASK_ROOT and traceback paths), layers under
/opt, a private /tmp sized by EphemeralStorage, the runtime under /var/runtime and
/var/lang, and only what AWS's Python runtime can import. Without namespaces (the
fallback, forced here by LAMBDA_LAB_SANDBOX=off) the import rules still hold.
"""

from __future__ import annotations

import os

import pytest

from lambda_lab import Lab
from lambda_lab.control.packaging import layer_from_installed

LOOK = """
import os, sys
def lambda_handler(event, context):
    try:
        open("/var/task/new.txt", "w")
        task_writable = True
    except OSError as exc:
        task_writable = exc.strerror
    return {
        "cwd": os.getcwd(), "file": __file__, "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "runtime_dir": os.environ["LAMBDA_RUNTIME_DIR"], "root": sorted(os.listdir("/")),
        "task": sorted(os.listdir("/var/task")), "opt": sorted(os.listdir("/opt")),
        "path": sys.path, "executable": sys.executable, "task_writable": task_writable,
        "uid": os.getuid(),
    }
"""


def sandboxed(lab: Lab) -> None:
    if not lab.sandbox.namespaces:
        pytest.skip(f"this host gives no namespaces: {lab.sandbox.reason}")


def test_code_is_read_only_at_var_task_with_the_runtime_beside_it(lab: Lab) -> None:
    sandboxed(lab)
    lab.deploy("look", LOOK)
    seen = lab.invoke("look").value
    assert seen["cwd"] == seen["task_root"] == "/var/task"
    assert seen["file"] == "/var/task/lambda_function.py"
    assert seen["task"] == ["lambda_function.py"]  # its own code, nothing else
    assert seen["task_writable"] == "Read-only file system"
    assert seen["runtime_dir"] == "/var/runtime" and seen["opt"] == []
    assert {"var", "tmp", "opt", "proc", "dev", "usr", "etc"} <= set(seen["root"])
    assert not {"work", "home", "root"} & set(seen["root"]) - {"root"}
    assert seen["executable"].startswith("/var/lang/bin/python3.")
    assert seen["uid"] == 993  # AWS's sbx_user1051, not root
    # AWS's import path: the code, the layers, the runtime's SDK, the standard library.
    assert seen["path"][:3] == [
        "/var/task",
        "/opt/python/lib/python3.12/site-packages",
        "/opt/python",
    ]
    assert all(
        p.startswith(("/var/task", "/opt/", "/var/lang/", "/var/runtime")) for p in seen["path"]
    )


def test_a_traceback_names_var_task(lab: Lab) -> None:
    lab.deploy("boom", "def lambda_handler(e, c):\n    raise ValueError('no')\n")
    trace = lab.invoke("boom").value["stackTrace"]
    assert trace and trace[0].startswith('  File "/var/task/lambda_function.py", line 2')


def test_only_what_aws_bundles_can_be_imported(lab: Lab) -> None:
    probe = (
        "import importlib\n"
        "def lambda_handler(event, context):\n"
        "    found = {}\n"
        "    for name in event:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "            found[name] = True\n"
        "        except ImportError:\n"
        "            found[name] = False\n"
        "    return found\n"
    )
    # At 128 MB the CPU share makes boto3's import take ~3 s (0.2 s at 1,769 MB): over the
    # 3 s default timeout on a loaded machine.
    lab.deploy("imports", probe, MemorySize=1769, Timeout=10)
    wanted = ["json", "sqlite3", "boto3", "botocore", "dateutil", "jmespath", "s3transfer",
              "lambda_lab", "pytest", "yaml", "moto", "psutil", "PIL", "ipywidgets"]  # fmt: skip
    result = lab.invoke("imports", wanted)
    assert result.function_error is None, result.value
    found = result.value
    assert [n for n in wanted if found[n]] == [
        "json", "sqlite3", "boto3", "botocore", "dateutil", "jmespath", "s3transfer",
    ]  # fmt: skip


def test_a_missing_package_fails_at_init_with_awss_words_and_a_layer_fixes_it(lab: Lab) -> None:
    code = "from PIL import Image\ndef lambda_handler(e, c):\n    return Image.new('RGB', (8, 8)).size\n"
    lab.deploy("pillow", code)
    failed = lab.invoke("pillow")
    assert failed.function_error == "Unhandled"
    assert failed.value["errorType"] == "Runtime.ImportModuleError"
    assert (
        failed.value["errorMessage"]
        == "Unable to import module 'lambda_function': No module named 'PIL'"
    )
    layer = lab.layer_from_installed("pillow")
    lab.client("lambda").update_function_configuration(
        FunctionName="pillow", Layers=[layer["LayerVersionArn"]]
    )
    assert lab.invoke("pillow").value == [8, 8]


def test_layers_merge_under_opt_in_order(lab: Lab) -> None:
    client = lab.client("lambda")
    first = {"python/shared.py": "WHO = 'first'\n", "python/only_first.py": "X = 1\n"}
    second = {"python/shared.py": "WHO = 'second'\n"}
    arns = []
    for name, files in (("first", first), ("second", second)):
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for path, text in files.items():
                info = zipfile.ZipInfo(path)
                info.external_attr = 0o644 << 16  # readable by the sandbox user
                archive.writestr(info, text)
        arns.append(
            client.publish_layer_version(LayerName=name, Content={"ZipFile": buffer.getvalue()})[
                "LayerVersionArn"
            ]
        )
    code = "import shared, only_first\ndef lambda_handler(e, c):\n    return [shared.WHO, only_first.X, shared.__file__]\n"
    lab.deploy("merged", code, Layers=arns)
    who, x, path = lab.invoke("merged").value
    assert (who, x) == ("second", 1)  # a later layer's file wins
    assert path == ("/opt/python/shared.py" if lab.sandbox.namespaces else path)


def test_tmp_is_sized_by_ephemeral_storage(lab: Lab) -> None:
    sandboxed(lab)
    fill = (
        "import os, errno\n"
        "def lambda_handler(event, context):\n"
        "    st = os.statvfs('/tmp')\n"
        "    written = 0\n"
        "    try:\n"
        "        with open('/tmp/big', 'wb') as f:\n"
        "            while True:\n"
        "                f.write(b'x' * (1 << 20))\n"
        "                written += 1\n"
        "    except OSError as exc:\n"
        "        return [st.f_blocks * st.f_frsize // (1 << 20), written, errno.errorcode[exc.errno]]\n"
    )
    lab.deploy("fill", fill, EphemeralStorage={"Size": 600}, MemorySize=256, Timeout=30)
    size_mb, written_mb, error = lab.invoke("fill").value
    assert size_mb == 600 and error == "ENOSPC" and 590 <= written_mb <= 600
    # A full /tmp is storage, not memory: the function was not stopped for its 256 MB.
    assert lab.invoke("fill").record.outcome == "success"


def test_the_fallback_keeps_the_import_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_LAB_SANDBOX", "off")
    with Lab() as lab:
        assert not lab.sandbox.namespaces
        assert "LAMBDA_LAB_SANDBOX=off" in (lab.sandbox.notice() or "")
        lab.deploy("pillow", "import PIL\ndef lambda_handler(e, c):\n    return 1\n")
        assert lab.invoke("pillow").value["errorType"] == "Runtime.ImportModuleError"
        lab.deploy("lab", "import lambda_lab\ndef lambda_handler(e, c):\n    return 1\n")
        assert lab.invoke("lab").value["errorMessage"].endswith("No module named 'lambda_lab'")
        lab.deploy("sdk", "import boto3\ndef lambda_handler(e, c):\n    return 1\n")
        assert lab.invoke("sdk").value == 1


def test_a_layer_zip_from_installed_packages_puts_them_under_python() -> None:
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(layer_from_installed("jmespath"))).namelist()
    assert "python/jmespath/__init__.py" in names
    assert all(n.startswith("python/") for n in names)
    with pytest.raises(FileNotFoundError, match="pip install"):
        layer_from_installed("surely-not-installed-here")


def test_no_environment_folder_is_left_on_the_host(lab: Lab) -> None:
    sandboxed(lab)
    lab.deploy(
        "tmp", "def lambda_handler(e, c):\n    open('/tmp/x', 'w').write('x')\n    return 1\n"
    )
    lab.invoke("tmp")
    env = lab.environments("tmp")[0]
    assert not os.path.exists(os.path.join(env.env_dir, "tmp"))  # /tmp is the sandbox's own


def test_files_the_sandbox_user_cannot_read_fail_as_on_aws(lab: Lab) -> None:
    """Python's zipfile.writestr(name, ...) stores mode 0600: Lambda's user cannot read it."""
    sandboxed(lab)
    if lab.sandbox.user_namespace:
        pytest.skip("in a user namespace the sandbox user owns the code files it reads")
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(e, c):\n    return 1\n")
    lab.deploy("private", buffer.getvalue())
    error = lab.invoke("private").value
    assert "Permission denied: '/var/task/lambda_function.py'" in error["errorMessage"]
