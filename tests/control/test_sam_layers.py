"""Layers in SAM templates: a function that imports a package from a layer fails without it
and works with it; versions are published only on change, kept or deleted as RetentionPolicy
says; ``sam build``'s python layout; plain CloudFormation layers from S3."""

from __future__ import annotations

import io
import re
import textwrap
import zipfile
from pathlib import Path

import pytest

from lambda_lab.control.sam import TemplateError

ARN = "arn:aws:lambda:us-east-1:123456789012:layer"
APP = """\
from greetings import greet

def handler(event, context):
    return greet(event.get("name", "world"))
"""
LIBRARY = 'def greet(name):\n    return f"{WORD}, {name}!"\n\nWORD = "Hello"\n'


def template(layers: str = "", retention: str = "", extra: str = "") -> str:
    return textwrap.dedent(f"""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          GreetingsLayer:
            Type: AWS::Serverless::LayerVersion
            Properties:
              LayerName: greetings
              ContentUri: deps/
              CompatibleRuntimes: [python3.12]
              {retention}
          Greeter:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              {layers}
        {extra}""")


WITH_LAYER = "Layers: [!Ref GreetingsLayer]"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP)
    library = tmp_path / "deps" / "python" / "greetings"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text(LIBRARY)
    return tmp_path


def deploy(lab, project: Path, text: str):
    (project / "template.yaml").write_text(text)
    return lab.deploy_template(project / "template.yaml", stack_name="greeter")


def test_a_package_from_a_sam_layer_is_missing_without_it_and_there_with_it(
    virtual_lab, project
) -> None:
    lab = virtual_lab
    stack = deploy(lab, project, template())
    name = stack.function_name("Greeter")
    failed = lab.invoke(name, {"name": "Ada"})
    assert failed.function_error == "Unhandled"
    assert failed.value["errorType"] == "Runtime.ImportModuleError"
    assert (
        failed.value["errorMessage"] == "Unable to import module 'app': No module named 'greetings'"
    )
    stack = deploy(lab, project, template(WITH_LAYER))
    assert stack.notes == []
    config = lab.client("lambda").get_function_configuration(FunctionName=name)
    assert [layer["Arn"] for layer in config["Layers"]] == [f"{ARN}:greetings:1"]
    assert lab.invoke(name, {"name": "Ada"}).value == "Hello, Ada!"


def test_a_changed_layer_is_a_new_version_and_the_old_one_is_retained(virtual_lab, project) -> None:
    lab = virtual_lab
    client = lab.client("lambda")
    deploy(lab, project, template(WITH_LAYER))
    again = deploy(lab, project, template(WITH_LAYER))
    assert again.physical_id("GreetingsLayer") == f"{ARN}:greetings:1"  # unchanged: no publish
    library = project / "deps" / "python" / "greetings" / "__init__.py"
    library.write_text(LIBRARY.replace('"Hello"', '"Welcome"'))
    changed = deploy(lab, project, template(WITH_LAYER))
    assert changed.physical_id("GreetingsLayer") == f"{ARN}:greetings:2"
    assert changed["GreetingsLayer"].details["replaced"] == f"{ARN}:greetings:1"
    assert lab.invoke(changed.function_name("Greeter"), {"name": "Ada"}).value == "Welcome, Ada!"
    versions = client.list_layer_versions(LayerName="greetings")["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]  # Retain is SAM's default


def test_retention_policy_delete_removes_the_replaced_version(virtual_lab, project) -> None:
    lab = virtual_lab
    client = lab.client("lambda")
    deploy(lab, project, template(WITH_LAYER, "RetentionPolicy: Delete"))
    (project / "deps" / "python" / "extra.py").write_text("X = 1\n")
    stack = deploy(lab, project, template(WITH_LAYER, "RetentionPolicy: Delete"))
    versions = client.list_layer_versions(LayerName="greetings")["LayerVersions"]
    assert [v["Version"] for v in versions] == [2]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_layer_version(LayerName="greetings", VersionNumber=1)
    assert lab.invoke(stack.function_name("Greeter"), {}).value == "Hello, world!"


@pytest.mark.parametrize(
    ("retention", "message"),
    [
        ("RetentionPolicy: Keep",
         "Resources.GreetingsLayer.RetentionPolicy: must be one of ['Retain', 'Delete'] (got 'Keep')"),
        ("RetentionPolicy: !Ref AWS::Region",
         "Resources.GreetingsLayer.RetentionPolicy: does not accept intrinsic functions"),
    ],
)  # fmt: skip
def test_a_bad_retention_policy_is_refused_by_name(
    virtual_lab, project, retention, message
) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        deploy(virtual_lab, project, template(WITH_LAYER, retention))


def test_a_missing_layer_arn_is_lambdas_own_error(virtual_lab, project) -> None:
    text = template(f"Layers: ['{ARN}:nothing-here:3']")
    with pytest.raises(TemplateError) as refused:
        deploy(virtual_lab, project, text)
    assert str(refused.value) == (
        "Resources.Greeter (AWS::Serverless::Function): InvalidParameterValueException: "
        f"Layer version {ARN}:nothing-here:3 does not exist."
    )


def test_build_method_python_lays_the_folder_out_as_sam_build_does(virtual_lab, tmp_path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "from markdown_it import MarkdownIt\nfrom helpers import shout\n\n"
        "def handler(event, context):\n    return shout(MarkdownIt().render('*hi*'))\n"
    )
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "helpers.py").write_text("def shout(text):\n    return text.upper()\n")
    (tmp_path / "deps" / "requirements.txt").write_text(
        "# what the layer needs\nmarkdown-it-py>=3\nno-such-package-here==1.0\n"
    )
    text = textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Deps:
            Type: AWS::Serverless::LayerVersion
            Properties:
              ContentUri: deps/
            Metadata:
              BuildMethod: python3.12
          Renderer:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Layers: [!Ref Deps]
        """)
    stack = deploy(virtual_lab, tmp_path, text)
    assert stack.physical_id("Deps") == f"{ARN}:Deps:1"  # LayerName defaults to the logical id
    assert stack.notes == [
        "Resources.Deps.Metadata.BuildMethod python3.12: requirements.txt taken from this "
        "machine's Python (markdown-it-py); not installed here, left out: no-such-package-here "
        "(sam build downloads them for the layer's runtime and architecture)"
    ]
    assert virtual_lab.invoke(stack.function_name("Renderer"), {}).value == "<P><EM>HI</EM></P>\n"
    location = virtual_lab.client("lambda").get_layer_version_by_arn(Arn=f"{ARN}:Deps:1")
    with zipfile.ZipFile(location["Content"]["Location"].removeprefix("file://")) as archive:
        names = archive.namelist()
    assert "python/helpers.py" in names and "python/markdown_it/__init__.py" in names
    assert "python/mdurl/__init__.py" in names  # markdown-it-py's own dependency
    assert not [n for n in names if not n.startswith("python/")]


def test_a_cloudformation_layer_version_reads_its_content_from_s3(virtual_lab, project) -> None:
    lab = virtual_lab
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo("python/greetings/__init__.py")
        entry.external_attr = 0o644 << 16  # readable by the sandbox user, as Lambda needs
        archive.writestr(entry, LIBRARY.replace('"Hello"', '"Hi"'))
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="layers/greetings.zip", Body=buffer.getvalue())
    text = textwrap.dedent("""\
        Resources:
          Shared:
            Type: AWS::Lambda::LayerVersion
            Properties:
              LayerName: shared-greetings
              Content:
                S3Bucket: artifacts
                S3Key: layers/greetings.zip
          Greeter:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Layers: [!Ref Shared]
        """)
    stack = deploy(lab, project, text)
    assert stack.physical_id("Shared") == f"{ARN}:shared-greetings:1"
    assert lab.invoke(stack.function_name("Greeter"), {"name": "S3"}).value == "Hi, S3!"


def test_a_new_layer_version_is_released_through_the_canary(virtual_lab, project) -> None:
    lab = virtual_lab
    # the indentation of the template's other Properties lines, before it is dedented
    canary = "\n              AutoPublishAlias: live\n              DeploymentPreference: {Type: Canary10Percent5Minutes}"
    text = template(WITH_LAYER + canary)
    first = deploy(lab, project, text)
    name = first.function_name("Greeter")
    library = project / "deps" / "python" / "greetings" / "__init__.py"
    library.write_text(LIBRARY.replace('"Hello"', '"Welcome"'))
    second = deploy(lab, project, text)  # only the layer changed: a new function version too
    (deployment,) = second.deployments
    assert (second["Greeter"].details["alias_version"], second["Greeter"].details["version"]) == (
        "1",
        "2",
    )
    version_2 = lab.client("lambda").get_function_configuration(FunctionName=name, Qualifier="2")
    assert [layer["Arn"] for layer in version_2["Layers"]] == [f"{ARN}:greetings:2"]
    lab.clock.advance(minutes=6)
    assert deployment.status == "Succeeded"
    assert lab.invoke(name, {"name": "Ada"}, qualifier="live").value == "Welcome, Ada!"
