"""Checks of lesson 12: a layer built with the wrong layout, /tmp sized for a job, a layer ZIP
built by hand that functions on two runtimes import from."""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
from typing import Any

from lambda_lab.exercises.context import CheckContext, short

# -- 12-broken-layer ----------------------------------------------------------------------------
SETTINGS = "retries: 3\nregions: [eu-west-1, us-east-1]\n"
EXPECTED_SETTINGS = {"retries": 3, "regions": ["eu-west-1", "us-east-1"]}


def _pyyaml_layers(ctx: CheckContext) -> tuple[str, str]:
    """The team's PyYAML layer: version 1 zipped from inside site-packages (yaml/ at the root),
    version 2 rebuilt with python/yaml/. Both from this machine's PyYAML."""
    from lambda_lab.control.packaging import installed_files, zip_files

    files = {name: data for name, data in installed_files("pyyaml", dependencies=False).items()
             if name.startswith(("yaml/", "_yaml/"))}  # fmt: skip
    client = ctx.lab.client("lambda")
    arns = []
    for prefix in ("", "python/"):
        content = zip_files({prefix + name: data for name, data in files.items()})
        published = client.publish_layer_version(
            LayerName="pyyaml", Description="PyYAML for the team's functions",
            Content={"ZipFile": content}, CompatibleRuntimes=["python3.12", "python3.13"],
        )  # fmt: skip
        arns.append(published["LayerVersionArn"])
    return arns[0], arns[1]


def _opt_entries(ctx: CheckContext, arns: list[str]) -> list[str]:
    """The top-level entries each attached layer puts in /opt, for the verdict's evidence."""
    client = ctx.lab.client("lambda")
    lines = []
    for arn in arns:
        try:
            location = client.get_layer_version_by_arn(Arn=arn)["Content"]["Location"]
        except Exception:  # a wrong ARN: CreateFunction already said so
            continue
        with zipfile.ZipFile(location.removeprefix("file://")) as archive:
            tops = sorted({name.split("/")[0] + "/" for name in archive.namelist() if "/" in name})
        label = ":".join(arn.split(":")[-2:])
        lines.append(f"layer {label} unzips to: " + ", ".join(f"/opt/{t}" for t in tops))
    return lines


def broken_layer(ctx: CheckContext) -> str:
    first, second = _pyyaml_layers(ctx)
    config = ctx.config()
    layers = config.get("Layers", [])
    ctx.deploy("settings-reader", Timeout=10)
    result = ctx.invoke("settings-reader", {"settings": SETTINGS})
    if result.function_error:
        evidence = _opt_entries(ctx, layers if isinstance(layers, list) else [])
        evidence.append("layer versions of pyyaml in this account: 1, 2")
        ctx.fail(f"the call {ctx.outcome(result)}",
                 "the settings parsed by yaml, imported from the team's layer",
                 "\n".join(evidence))  # fmt: skip
    ctx.expect(
        result.value == EXPECTED_SETTINGS,
        f"the call {ctx.outcome(result)}",
        f"returned {short(EXPECTED_SETTINGS)}",
    )
    ctx.expect(
        layers == [second],
        f"the function works, but its Layers are {short(layers)}",
        f"only the rebuilt layer, [{second!r}]",
    )
    return "version 2 of the layer puts yaml under /opt/python, where the runtime imports from"


# -- 12-tmp-space -------------------------------------------------------------------------------
JOB_MB = 600  # what the handler unpacks into /tmp
GENEROUS_MB = 2048  # more than this pays for storage the job never uses


def tmp_space(ctx: CheckContext) -> str:
    config = ctx.config()
    storage = config.get("EphemeralStorage", {"Size": 512})
    size = storage.get("Size") if isinstance(storage, dict) else None
    if not isinstance(size, int):
        ctx.fail(f"EphemeralStorage is {short(storage)}",
                 'EphemeralStorage = {"Size": <MB>}, as CreateFunction takes it')  # fmt: skip
    ctx.deploy("unpacker")
    result = ctx.invoke("unpacker", {"dataset_mb": JOB_MB})
    if result.function_error:
        ctx.failed_invoke(result, f"with a /tmp of {size} MB the job",
                          f"room for the {JOB_MB} MB it unpacks into /tmp")  # fmt: skip
    if size < JOB_MB:  # this host did not size /tmp (no namespaces): say what AWS would do
        ctx.fail(
            f"EphemeralStorage is {size} MB but the job writes {JOB_MB} MB: on AWS the write "
            "stops with OSError: [Errno 28] No space left on device (this host does not size "
            "/tmp, so it ran here)",
            f"a /tmp of at least {JOB_MB} MB",
        )
    extra_gb = (size - 512) / 1024
    ctx.expect(
        size <= GENEROUS_MB,
        f"EphemeralStorage is {size} MB for a {JOB_MB} MB job: every second of every call pays "
        f"for {extra_gb:.1f} GB of extra storage",
        f"at least {JOB_MB} MB and at most {GENEROUS_MB} MB",
    )
    ctx.expect(result.value == {"unpacked_mb": JOB_MB}, f"the job {ctx.outcome(result)}",
               f'{{"unpacked_mb": {JOB_MB}}}')  # fmt: skip
    return f"{JOB_MB} MB unpacked into a {size} MB /tmp (512 MB is the default)"


# -- 12-layer-zip -------------------------------------------------------------------------------
LIBRARY = {
    "greetings/__init__.py": (
        "from greetings.words import WORDS\n\n\n"
        "def greet(name, language='en'):\n"
        '    return f"{WORDS[language]}, {name}!"\n'
    ),
    "greetings/words.py": "WORDS = {'en': 'Hello', 'fr': 'Bonjour', 'de': 'Hallo'}\n",
}
CONSUMER = (
    "from greetings import greet\n\n\n"
    "def handler(event, context):\n"
    "    return greet(event['name'], event['language'])\n"
)
RUNTIMES = ("python3.12", "python3.13")


def _built_zip(ctx: CheckContext) -> bytes:
    ctx.deploy("layer-builder", Timeout=10)
    result = ctx.invoke("layer-builder", {"files": LIBRARY})
    if result.function_error:
        ctx.failed_invoke(result, "the builder", '{"zip": "<the layer ZIP, base64>"}')
    answer = result.value
    ctx.expect(isinstance(answer, dict) and isinstance(answer.get("zip"), str),
               f"the builder {ctx.outcome(result)}", '{"zip": "<the layer ZIP, base64>"}')  # fmt: skip
    try:
        return base64.b64decode(answer["zip"], validate=True)
    except (binascii.Error, ValueError):
        ctx.fail("the builder's zip is not base64 text", "base64.b64encode(zip_bytes).decode()")


def _listing(zip_bytes: bytes, ctx: CheckContext) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except zipfile.BadZipFile:
        ctx.fail(
            "the builder returned bytes that are not a ZIP archive", "a ZIP from zipfile.ZipFile"
        )
    ctx.expect(members, "your ZIP holds no files", "the library's two files, inside the ZIP")
    unreadable = [m for m in members if (m.external_attr >> 16) & 0o004 == 0]
    if unreadable:
        mode = (unreadable[0].external_attr >> 16) & 0o777
        ctx.fail(
            f"{unreadable[0].filename} is stored with permissions {mode:03o}: Lambda runs code "
            "as an unprivileged user, who cannot read it",
            "files readable by everyone (644), as add() stores them",
        )
    return members


def layer_zip(ctx: CheckContext) -> str:
    zip_bytes = _built_zip(ctx)
    members = _listing(zip_bytes, ctx)
    names = ", ".join(m.filename for m in members)
    client = ctx.lab.client("lambda")
    from botocore.exceptions import ClientError

    try:
        arn = client.publish_layer_version(LayerName="greetings", Content={"ZipFile": zip_bytes},
                                           CompatibleRuntimes=list(RUNTIMES))["LayerVersionArn"]  # fmt: skip
    except ClientError as refused:
        error = refused.response["Error"]
        ctx.fail(f"PublishLayerVersion refused the ZIP: {error['Code']}: {error['Message']}",
                 "a ZIP that Lambda accepts as a layer")  # fmt: skip
    answers: list[Any] = []
    for runtime in RUNTIMES:
        name = f"greeter-{runtime.replace('.', '')}"
        ctx.deploy(name, CONSUMER, learner_config=False, handler="lambda_function.handler",
                   Runtime=runtime, Layers=[arn])  # fmt: skip
        result = ctx.invoke(name, {"name": "Ada", "language": "fr"})
        if result.function_error:
            ctx.fail(f"a {runtime} function with your layer {ctx.outcome(result)}",
                     "`from greetings import greet` working on every compatible runtime",
                     f"your ZIP holds: {names}")  # fmt: skip
        answers.append(result.value)
    ctx.expect(answers == ["Bonjour, Ada!"] * 2, f"the functions returned {answers}",
               "'Bonjour, Ada!' from both")  # fmt: skip
    return f"python3.12 and python3.13 functions import greetings from your layer ({names})"
