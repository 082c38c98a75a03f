"""The two helpers every widget shares: text at the notebook's line height, and a picture
that stays hidden until it is drawn (an empty one showed the broken-image icon)."""

from __future__ import annotations

from lambda_lab.widgets.picture import picture
from lambda_lab.widgets.prose import LINE_HEIGHT, prose

PNG = b"\x89PNG\r\n\x1a\n"


def test_prose_sets_the_text_line_height_and_leaves_nothing_as_nothing():
    wrapped = prose("<p>two</p><p>lines</p>")
    assert wrapped == f'<div style="line-height: {LINE_HEIGHT}"><p>two</p><p>lines</p></div>'
    assert prose("") == ""  # a cleared widget stays empty (tests and views check for "")


def test_a_picture_is_hidden_until_drawn_and_again_when_cleared():
    image = picture(width="720px")
    assert image.format == "png" and image.layout.width == "720px"
    assert image.layout.display == "none"
    image.value = PNG
    assert image.layout.display is None
    image.value = b""
    assert image.layout.display == "none"
