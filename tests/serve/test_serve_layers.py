"""`lambda-lab serve` with layers: a package that is in neither the ZIP nor a layer fails as on
AWS (Runtime.ImportModuleError); published as a layer with the AWS CLI and attached with
boto3, the same function works."""

from __future__ import annotations

import base64
import json
import zipfile

from serve_helpers import Served

from lambda_lab.control.packaging import layer_from_installed

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
THUMBNAIL = """\
from PIL import Image

def lambda_handler(event, context):
    image = Image.new("RGB", (400, 300), "teal")
    image.thumbnail((128, 128))
    return {"size": list(image.size)}
"""


def test_a_missing_package_fails_until_a_layer_brings_it(served: Served) -> None:
    function_zip = served.tmp / "thumbnail.zip"
    with zipfile.ZipFile(function_zip, "w") as archive:
        info = zipfile.ZipInfo("lambda_function.py")
        info.external_attr = 0o644 << 16
        archive.writestr(info, THUMBNAIL)
    lam = served.boto3("lambda")
    lam.create_function(
        FunctionName="thumbnail", Runtime="python3.12", Role=ROLE,
        Handler="lambda_function.lambda_handler", Code={"ZipFile": function_zip.read_bytes()},
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName="thumbnail")  # Pending, then Active
    failed = lam.invoke(FunctionName="thumbnail", LogType="Tail")
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert (
        error["errorMessage"] == "Unable to import module 'lambda_function': No module named 'PIL'"
    )

    layer_zip = served.tmp / "pillow-layer.zip"
    layer_zip.write_bytes(layer_from_installed("pillow"))
    published = served.aws_json(
        "lambda", "publish-layer-version", "--layer-name", "pillow",
        "--compatible-runtimes", "python3.12", "--zip-file", f"fileb://{layer_zip}",
    )  # fmt: skip
    assert published["LayerVersionArn"].endswith(":layer:pillow:1")
    listed = served.aws_json("lambda", "list-layers")["Layers"]
    assert [layer["LayerName"] for layer in listed] == ["pillow"]
    lam.update_function_configuration(
        FunctionName="thumbnail", Layers=[published["LayerVersionArn"]]
    )
    lam.get_waiter("function_updated_v2").wait(FunctionName="thumbnail")
    worked = lam.invoke(FunctionName="thumbnail", LogType="Tail")
    assert "FunctionError" not in worked, base64.b64decode(worked["LogResult"]).decode()
    assert json.loads(worked["Payload"].read()) == {"size": [128, 96]}
    config = lam.get_function_configuration(FunctionName="thumbnail")
    assert config["Layers"][0]["Arn"] == published["LayerVersionArn"]
