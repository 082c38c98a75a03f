"""The layer console: what lands in /var/task and /opt, layers added, reordered and removed,
and the invoke that shows an ImportModuleError turn into an answer; without a browser."""

from __future__ import annotations

import pytest

from lambda_lab.control.packaging import zip_files
from lambda_lab.widgets.layer_console import package_view, top_entry

pytest.importorskip("ipywidgets", reason="needs the course extra")

HANDLER = "import greeting\n\ndef handler(event, context):\n    return greeting.WORD\n"


def publish(client, name: str, word: str) -> str:
    content = zip_files({"python/greeting.py": f"WORD = {word!r}\n".encode()})
    return client.publish_layer_version(LayerName=name, Content={"ZipFile": content})[
        "LayerVersionArn"
    ]


def test_top_entries_group_files_by_package() -> None:
    assert top_entry("python/yaml/nodes.py") == "python/yaml/"
    assert top_entry("python/greeting.py") == "python/greeting.py"
    assert (
        top_entry("python/lib/python3.12/site-packages/PIL/Image.py")
        == "python/lib/python3.12/site-packages/PIL/"
    )
    assert top_entry("bin/tool") == "bin/"


def test_the_console_adds_reorders_and_removes_layers(lab) -> None:
    from lambda_lab.widgets.layer_console import LayerConsole

    client = lab.client("lambda")
    lab.deploy("greeter", HANDLER, handler="lambda_function.handler")
    english, french = publish(client, "english", "hello"), publish(client, "french", "bonjour")
    console = LayerConsole(lab, "greeter")
    assert "no layers" in console.contents.value
    assert [label for label, _ in console.available.options] == ["english:1", "french:1"]
    assert console.invoke() == (
        "Runtime.ImportModuleError: Unable to import module 'lambda_function': "
        "No module named 'greeting'"
    )
    console.attach(english)
    console.attach(french)
    view = package_view(client, "greeter")
    assert [layer.label for layer in view.layers] == ["english:1", "french:1"]
    assert view.opt == {"python/greeting.py": "french:1"}
    assert view.hidden == [("python/greeting.py", "english:1", "french:1")]
    assert "is hidden by french:1" in console.contents.value
    assert console.invoke() == "returned 'bonjour'"  # the later layer wins
    console.move_earlier(french)
    assert console.invoke() == "returned 'hello'"
    assert console.detach(english) == "Layers: french:1"
    assert console.invoke() == "returned 'bonjour'"
    assert bytes(console.picture.value).startswith(b"\x89PNG")


def _buttons(console) -> list[str]:
    import ipywidgets as w

    found, boxes = [], [console.widget]
    while boxes:
        box = boxes.pop(0)
        for child in box.children:
            if isinstance(child, w.Button):
                found.append(child.description)
            elif isinstance(child, w.Box):
                boxes.append(child)
    return found


def test_the_buttons_name_the_chosen_layer_and_a_moved_layer_stays_chosen(lab) -> None:
    from lambda_lab.widgets.layer_console import LayerConsole

    client = lab.client("lambda")
    english, french = publish(client, "english", "hello"), publish(client, "french", "bonjour")
    lab.deploy("greeter", HANDLER, handler="lambda_function.handler", Layers=[english, french])
    console = LayerConsole(lab, "greeter")
    assert sorted(_buttons(console)) == [
        "Add english:1", "Invoke", "Move english:1 earlier", "Remove english:1",
    ]  # fmt: skip
    console.attached.value = french  # what a learner's choice in the browser does
    assert "Remove french:1" in _buttons(console)
    console.move_earlier(french)
    assert console.attached.value == french  # still chosen: "Move earlier" again moves it on
    assert "Move french:1 earlier" in _buttons(console)
    console.detach(french)
    console.detach(english)
    assert {"Remove", "Move earlier"} <= set(_buttons(console))  # nothing attached


def test_lambdas_refusal_is_shown_not_raised(lab) -> None:
    from lambda_lab.widgets.layer_console import LayerConsole

    client = lab.client("lambda")
    lab.deploy("greeter", HANDLER, handler="lambda_function.handler")
    arns = [publish(client, f"layer{n}", str(n)) for n in range(6)]
    console = LayerConsole(lab, "greeter")
    for arn in arns[:5]:
        console.attach(arn)
    note = console.attach(arns[5])
    assert note.startswith("InvalidParameterValueException: Cannot reference more than 5 layers")
    assert len(package_view(client, "greeter").layers) == 5
