"""The panels' image pickers, and the two ipywidgets 7/8 differences the panels meet.

An :class:`ImagePicker` is a dropdown of the bundled images plus an Upload button. The panels run
with ipywidgets 8 and with the ipywidgets 7.7 that Colab preinstalls; the two differences they meet
are hidden here: :func:`tooltip` (the hover-text argument's name) and :func:`latest_upload` (the
shape of ``FileUpload.value``).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import tensorflow as tf

from ..errors import NSTError
from ..images import list_images, load_image

#: The dropdown entry that means "use the uploaded file".
UPLOAD = "upload…"
#: Room for the slider and picker labels.
DESCRIPTION_STYLE = {"description_width": "150px"}

# Hover text (without one, ipywidgets 8 in JupyterLab 4 shows the word "null" on hover).
TOOLTIPS = {
    "max_dim": "longest side of the pictures, in pixels",
    "content_weight": "how closely the result keeps the photo's content",
    "style_weight": "how closely the result matches the painting's textures (Gram matrices)",
    "total_variation_weight": "how smooth the result is (penalises pixel-to-pixel noise)",
    "steps": "number of optimisation steps",
    "optimizer": "adam: small steps; lbfgs: fewer, larger steps",
    "strength": "0 keeps the photo's own look, 1 uses the painting's style fully",
    "preserve_color": "keep the photo's colours: stylise the luminance only, or recolour the "
    "painting to the photo's colours first",
    "style_scale": "the painting's size relative to max_dim: above 1 gives larger brush strokes",
    "progress": "steps done",
    "content": "a bundled photo, or upload… for your own",
    "style": "a bundled painting, or upload… for your own",
    "upload": "use your own image (JPEG, PNG, GIF, WEBP or BMP)",
}


#: What the picker says when an upload arrives without its bytes, or never arrives.
UPLOAD_LIMIT = (
    "In Colab, files of 1 MB or more may never arrive through this Upload button (ipywidgets "
    "issue #3452): pick a smaller file, or put yours in Colab's Files pane (or use the notebook's "
    "files.upload() cell) and load it by its path, or give an image URL."
)


def tooltip(kind: type[widgets.Widget], text: str) -> dict[str, str]:
    """The keyword argument that gives a widget of class ``kind`` its hover text.

    ipywidgets 8 calls it ``tooltip`` on every widget; ipywidgets 7 calls it ``description_tooltip``
    (only buttons have ``tooltip``) and drops an unknown ``tooltip`` with a warning.

    Args:
        kind: The widget class.
        text: The hover text.

    Returns:
        ``{"tooltip": text}``, ``{"description_tooltip": text}``, or ``{}`` if ``kind`` has neither.
    """
    traits = kind.class_trait_names()
    for name in ("tooltip", "description_tooltip"):
        if name in traits:
            return {name: text}
    return {}


def latest_upload(value: tuple | dict) -> tuple[str, bytes] | None:
    """The name and bytes of the latest file in a ``FileUpload.value``, from ipywidgets 7 or 8.

    Args:
        value: ipywidgets 8's tuple of dicts (``name``, ``type``, ``size``, ``content`` as a
            memoryview, ``last_modified``), or ipywidgets 7's dict ``{file name: {"metadata":
            {"name", "type", "size", ...}, "content": bytes}}``.

    Returns:
        ``(file name, bytes)``, or ``None`` if nothing was uploaded or the latest file arrived
        without its bytes (:func:`upload_arrived_empty`).
    """
    if not value:
        return None
    if isinstance(value, dict):  # ipywidgets 7: the dict keeps upload order, so the last is latest
        name, entry = list(value.items())[-1]
        name = entry.get("metadata", {}).get("name", name)
    else:
        entry = value[-1]
        name = entry["name"]
    content = bytes(entry.get("content") or b"")
    return (name, content) if content else None


def upload_arrived_empty(upload: widgets.FileUpload) -> bool:
    """Whether a ``FileUpload`` holds a file entry without its bytes (ipywidgets 7 or 8).

    Args:
        upload: The widget.

    Returns:
        True if the front end announced a file but its content is empty or missing.
    """
    if upload.value and latest_upload(upload.value) is None:
        return True
    metadata, data = getattr(upload, "metadata", None), getattr(upload, "data", None)
    if isinstance(metadata, list) and metadata:  # ipywidgets 7 keeps these two lists as well
        return len(data or []) < len(metadata) or not all(data)
    return False


class ImagePicker(widgets.HBox):
    """A dropdown of bundled images plus an upload button.

    Args:
        kind: ``"content"`` or ``"style"``: which bundled images the dropdown offers.
        value: The bundled image chosen at the start.
    """

    def __init__(self, kind: str, value: str) -> None:
        names = list(list_images(kind))
        self.dropdown = widgets.Dropdown(
            options=[*names, UPLOAD],
            value=value,
            description=kind,
            style=DESCRIPTION_STYLE,
            **tooltip(widgets.Dropdown, TOOLTIPS[kind]),
        )
        self.upload = widgets.FileUpload(
            accept="image/*",
            multiple=False,
            description="Upload",
            **tooltip(widgets.FileUpload, TOOLTIPS["upload"]),
        )
        #: One line that appears when an upload arrives empty.
        self.note = widgets.HTML(value="")
        self.upload.observe(self._uploaded, names="value")
        if "_counter" in self.upload.trait_names():  # ipywidgets 7: counts what the button sent
            self.upload.observe(self._uploaded, names="_counter")
        super().__init__([self.dropdown, self.upload, self.note])

    def _uploaded(self, change: dict) -> None:
        if upload_arrived_empty(self.upload):
            self.note.value = html.escape(f"The upload arrived empty. {UPLOAD_LIMIT}")
        elif self.uploaded is not None:
            self.note.value = ""
            self.dropdown.value = UPLOAD

    @property
    def uploaded(self) -> tuple[str, bytes] | None:
        """The latest uploaded file's name and bytes, or ``None`` before any upload."""
        return latest_upload(self.upload.value)

    @property
    def source(self) -> str | bytes:
        """The chosen bundled name, or the uploaded file's bytes."""
        if self.dropdown.value != UPLOAD:
            return self.dropdown.value
        uploaded = self.uploaded
        if uploaded is None:
            empty = "the upload arrived empty" if upload_arrived_empty(self.upload) else "none yet"
            raise NSTError(
                f"no {self.dropdown.description} image uploaded ({empty}); press Upload and pick "
                f"a file. {UPLOAD_LIMIT}"
            )
        return uploaded[1]

    def load(self, max_dim: int | None = None) -> tf.Tensor:
        """Load the chosen image; an error about an upload names the uploaded file."""
        source = self.source
        try:
            return load_image(source, max_dim=max_dim)
        except NSTError as exc:
            if isinstance(source, str):
                raise
            uploaded = self.uploaded
            name = uploaded[0] if uploaded else "?"
            label = f"the uploaded {self.dropdown.description} file {name!r}"
            message = str(exc)
            if "the image bytes" in message:
                raise NSTError(message.replace("the image bytes", label, 1)) from None
            raise NSTError(f"{label}: {message}") from None
