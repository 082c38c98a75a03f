"""Small architecture pictures for the lessons: services as boxes, events as labelled arrows.

    from lambda_lab.notebook import diagrams
    diagrams.draw(diagrams.THUMBNAIL)

A diagram is plain data (:class:`Diagram`), so a lesson can also make its own. matplotlib
is imported only when one is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Box colours by kind of service, as AWS's icons group them.
COLOURS = {
    "compute": "#f58536",  # Lambda, EC2
    "storage": "#7aa116",  # S3
    "database": "#3b48cc",  # DynamoDB
    "integration": "#e7157b",  # EventBridge, SNS, SQS, API Gateway
    "security": "#dd344c",  # Cognito
    "client": "#7d8998",  # users, browsers
}


@dataclass(frozen=True)
class Box:
    key: str
    label: str
    x: float
    y: float
    kind: str = "compute"


@dataclass(frozen=True)
class Diagram:
    title: str
    boxes: tuple[Box, ...]
    arrows: tuple[tuple[str, str, str], ...]  # (from key, to key, what travels)

    def __post_init__(self) -> None:
        keys = {box.key for box in self.boxes}
        for start, end, _ in self.arrows:
            for key in (start, end):
                if key not in keys:
                    raise ValueError(
                        f"diagram {self.title!r}: arrow names box {key!r}, expected one of {sorted(keys)}"
                    )
        for box in self.boxes:
            if box.kind not in COLOURS:
                raise ValueError(
                    f"box {box.key!r}: kind must be one of {', '.join(COLOURS)} (got {box.kind!r})"
                )


THUMBNAIL = Diagram(
    "Serverless thumbnails: an upload is the event",
    (
        Box("user", "User\nuploads a photo", 0, 1, "client"),
        Box("photos", "S3 bucket\nphotos/", 2, 1, "storage"),
        Box("lambda", "Lambda\nmake_thumbnail", 4, 1),
        Box("thumbs", "S3 bucket\nthumbnails/", 6, 1.8, "storage"),
        Box("table", "DynamoDB\nphoto metadata", 6, 0.2, "database"),
    ),
    (
        ("user", "photos", "PUT object"),
        ("photos", "lambda", "s3:ObjectCreated\nnotification"),
        ("lambda", "thumbs", "small copy"),
        ("lambda", "table", "name, size, date"),
    ),
)

CRON = Diagram(
    "Serverless CRON: the clock is the event",
    (
        Box("rule", "EventBridge rule\nrate(1 hour)", 0, 1, "integration"),
        Box("lambda", "Lambda\ncleanup task", 3, 1),
        Box("bucket", "S3 bucket\nold files removed", 6, 1, "storage"),
    ),
    (("rule", "lambda", "every hour"), ("lambda", "bucket", "does the job, then stops")),
)

WEB_APP = Diagram(
    "A serverless web application: nothing here is a server you run",
    (
        Box("users", "Users", 0, 1, "client"),
        Box("static", "S3 + CloudFront\nstatic website", 2.2, 2, "storage"),
        Box("cognito", "Cognito\nsign-in", 2.2, 0, "security"),
        Box("api", "API Gateway\nREST API", 2.2, 1, "integration"),
        Box("lambda", "Lambda\nbusiness logic", 4.6, 1),
        Box("table", "DynamoDB\ndata", 6.8, 1, "database"),
    ),
    (
        ("users", "static", "pages"),
        ("users", "cognito", "log in"),
        ("users", "api", "HTTPS + token"),
        ("api", "lambda", "event"),
        ("lambda", "table", "read / write"),
    ),
)


def draw(diagram: Diagram, ax: Axes | None = None) -> Axes:
    """Draw ``diagram`` on ``ax`` (or a new figure) and return the axes."""
    if ax is None:
        import matplotlib.pyplot as plt

        width = max(box.x for box in diagram.boxes) + 2
        _, ax = plt.subplots(figsize=(min(11.0, 1.4 * width), 3.2))
    boxes = {box.key: box for box in diagram.boxes}
    style: dict[str, Any] = {"boxstyle": "round,pad=0.5", "linewidth": 0}
    for box in diagram.boxes:
        ax.text(
            box.x,
            box.y,
            box.label,
            ha="center",
            va="center",
            color="white",
            fontsize=9,
            fontweight="bold",
            bbox={**style, "facecolor": COLOURS[box.kind]},
            zorder=3,
        )
    for start, end, label in diagram.arrows:
        a, b = boxes[start], boxes[end]
        ax.annotate(
            "",
            xy=(b.x, b.y),
            xytext=(a.x, a.y),
            arrowprops={"arrowstyle": "-|>", "color": "#444", "shrinkA": 38, "shrinkB": 38},
            zorder=2,
        )
        ax.text(
            (a.x + b.x) / 2,
            (a.y + b.y) / 2 + 0.18,
            label,
            ha="center",
            va="bottom",
            fontsize=8,
            color="#333",
        )
    xs, ys = [box.x for box in diagram.boxes], [box.y for box in diagram.boxes]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.7)
    ax.set_title(diagram.title, fontsize=11)
    ax.axis("off")
    return ax
