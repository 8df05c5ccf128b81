"""ipywidgets panels for exploring style transfer with sliders (used in notebooks 03 and 04).

* :func:`gatys_panel` — sliders for ``max_dim`` and the three loss weights (log scale), steps and
  optimizer, content and style pickers (bundled images or an upload), a Run button, a progress
  bar, the live picture and a loss readout.
* :func:`fast_panel` — the Magenta fast path with ``max_dim`` and ``strength`` sliders; it
  re-stylises when a slider is released.

Both have a ``preserve_color`` dropdown, and the Gatys panel a ``style_scale`` slider (the
controls of notebook 06, :mod:`nst_helpers.controls`).

Both work in JupyterLab, Jupyter Notebook and Colab, with ipywidgets 8 and with the ipywidgets 7.7
that Colab preinstalls (:mod:`nst_helpers.ui.pickers` hides the two differences the panels meet). Errors show as one readable line in the panel, which stays usable. ``panel.run()``
runs with the current values from code (as the tests do).
"""

from __future__ import annotations

import html
import io
import math

import ipywidgets as widgets
import tensorflow as tf

from ..errors import NSTError, check_choice, check_float, check_int
from ..gatys import StyleTransferResult, get_stylizer
from ..images import list_images, to_pil
from ..magenta import load_stylizer
from ..options import (
    BACKBONES,
    FAST_MAX_DIM,
    OPTIMIZERS,
    PRESERVE_COLOR,
    STYLE_SCALE_RANGE,
    StylizeOptions,
)
from ..ui.pickers import DESCRIPTION_STYLE, TOOLTIPS, ImagePicker, tooltip

#: The ranges of the panels' sliders.
PANEL_MIN_DIM, PANEL_MAX_DIM, PANEL_MAX_STEPS = 64, 1024, 1000
_WIDTH = "460px"  # every slider: a track long enough to drag, and aligned with the others


def _png(image: tf.Tensor) -> bytes:
    buffer = io.BytesIO()
    to_pil(image).save(buffer, format="PNG")
    return buffer.getvalue()


class _Panel(widgets.VBox):
    """What both panels share: pickers, a Run button, status line and picture."""

    _kind = ""
    _hooks: tuple[str, ...] = ()

    def __init__(self, content: str, style: str, controls: list[widgets.Widget]) -> None:
        self.content_picker = ImagePicker("content", content)
        self.style_picker = ImagePicker("style", style)
        for picker in (self.content_picker, self.style_picker):
            picker.upload.observe(lambda _, picker=picker: self._check_upload(picker), "value")
        self.run_button = widgets.Button(
            description="Run",
            button_style="primary",
            icon="play",
            **tooltip(widgets.Button, "run with these values"),
        )
        self.run_button.on_click(lambda _: self.run())
        self.status = widgets.HTML(value="Press Run.")
        self.picture = widgets.Image(format="png", layout=widgets.Layout(max_width="512px"))
        self.result: StyleTransferResult | tf.Tensor | None = None
        super().__init__(
            [self.content_picker, self.style_picker, *controls, self.run_button, self.status]
            + self._extra()
            + [self.picture]
        )
        self._add_css_classes()

    def _add_css_classes(self) -> None:
        """Give the panel and its parts stable CSS classes (``nst-…``) for styling and tests."""
        self.add_class(f"nst-{self._kind}-panel")
        for name in ("run_button", "status", "picture", "content_picker", "style_picker"):
            getattr(self, name).add_class("nst-" + name.replace("_button", "").replace("_", "-"))
        for name in self._hooks:
            getattr(self, name).add_class("nst-" + name.replace("_", "-"))

    def _extra(self) -> list[widgets.Widget]:
        return []

    def _check_upload(self, picker: ImagePicker) -> None:
        """Say at once whether an uploaded file is an image the panel can use."""
        uploaded = picker.uploaded
        if uploaded is None:
            return
        try:
            image = picker.load()
        except NSTError as exc:
            self.show_error(str(exc))
            return
        self.status.value = html.escape(
            f"{picker.dropdown.description} image {uploaded[0]!r} uploaded "
            f"({image.shape[2]}×{image.shape[1]} px); press Run."
        )

    def show_error(self, message: str) -> None:
        """Show one readable error line in the panel."""
        self.status.value = f'<span style="color:#b00020">error: {html.escape(message)}</span>'

    def run(self):
        """Run with the current slider values; show the picture (or one error line).

        Returns:
            The result, or ``None`` if the inputs were bad (the panel shows why).
        """
        self.run_button.disabled = True
        try:
            self.result = self._run()
            return self.result
        except NSTError as exc:
            self.show_error(str(exc))
        except Exception as exc:  # the panel must stay usable whatever happens
            self.show_error(f"{type(exc).__name__}: {exc}")
        finally:
            self.run_button.disabled = False
        return None

    def _run(self):
        raise NotImplementedError


class GatysPanel(_Panel):
    """Sliders for the Gatys loop; build it with :func:`gatys_panel`."""

    _kind = "gatys"
    _hooks = (
        "max_dim",
        "content_weight",
        "style_weight",
        "total_variation_weight",
        "steps",
        "optimizer",
        "preserve_color",
        "style_scale",
        "progress",
        "readout",
    )

    def __init__(
        self, content: str, style: str, backbone: str, max_dim: int, steps: int, optimizer: str
    ) -> None:
        self.stylizer = get_stylizer(backbone)
        weights = self.stylizer.backbone.default_weights
        self.max_dim = _slider(
            widgets.IntSlider, "max_dim", max_dim, PANEL_MIN_DIM, PANEL_MAX_DIM, 32
        )
        self.content_weight = _log_slider("content_weight", weights["content_weight"])
        self.style_weight = _log_slider("style_weight", weights["style_weight"])
        self.total_variation_weight = _log_slider(
            "total_variation_weight", weights["total_variation_weight"]
        )
        self.steps = _slider(widgets.IntSlider, "steps", steps, 1, PANEL_MAX_STEPS, 1)
        self.optimizer = widgets.ToggleButtons(
            options=list(OPTIMIZERS),
            value=optimizer,
            description="optimizer",
            style=DESCRIPTION_STYLE,
            **tooltip(widgets.ToggleButtons, TOOLTIPS["optimizer"]),
        )
        # ToggleButtons lacks this class in ipywidgets 8, so its label sat above the buttons.
        self.optimizer.add_class("widget-inline-hbox")
        self.preserve_color = _color_dropdown()
        self.style_scale = _slider(
            widgets.FloatSlider, "style_scale", StylizeOptions.style_scale, *STYLE_SCALE_RANGE, 0.25
        )
        self.progress = widgets.IntProgress(
            value=0,
            min=0,
            max=steps,
            description="progress",
            style=DESCRIPTION_STYLE,
            **tooltip(widgets.IntProgress, TOOLTIPS["progress"]),
            layout=widgets.Layout(width=_WIDTH),
        )
        self.readout = widgets.HTML(value="")
        controls = [
            self.max_dim,
            self.content_weight,
            self.style_weight,
            self.total_variation_weight,
            self.steps,
            self.optimizer,
            self.preserve_color,
            self.style_scale,
        ]
        super().__init__(content, style, controls)

    def _extra(self) -> list[widgets.Widget]:
        return [self.progress, self.readout]

    @property
    def values(self) -> dict:
        """The current slider values, as passed to :func:`nst_helpers.gatys.stylize`."""
        return {
            "max_dim": self.max_dim.value,
            "steps": self.steps.value,
            "content_weight": self.content_weight.value,
            "style_weight": self.style_weight.value,
            "total_variation_weight": self.total_variation_weight.value,
            "optimizer": self.optimizer.value,
            "preserve_color": _color_value(self.preserve_color),
            "style_scale": self.style_scale.value,
        }

    def _run(self) -> StyleTransferResult:
        values = self.values
        content = self.content_picker.load(max_dim=values["max_dim"])
        style = self.style_picker.load(max_dim=values["max_dim"])
        self.progress.max = values["steps"]
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.status.value = html.escape(
            f"Running {values['steps']} {values['optimizer']} steps at max_dim {values['max_dim']}…"
        )
        refresh = max(1, values["steps"] // 10)

        def on_step(step: int, losses: dict, image: tf.Tensor) -> None:
            self.progress.value = step + 1
            if step % refresh == 0 or step + 1 == values["steps"]:
                self.picture.value = _png(image)
                self.readout.value = _loss_html(step, losses)

        options = StylizeOptions(progress=False, **values)  # checked once, before the run
        result = self.stylizer.stylize(content, style, options, callback=on_step)
        self.picture.value = _png(result.image)
        self.readout.value = _loss_html(result.best_step, result.final_losses)
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"
        note = f" Stopped early: {result.stop_reason}." if result.stop_reason else ""
        self.status.value = html.escape(
            f"Done: {result.steps} {result.optimizer} steps in {result.elapsed:.1f} s on "
            f"{result.backbone} with max_dim {values['max_dim']}, content_weight "
            f"{values['content_weight']:.3g}, style_weight {values['style_weight']:.3g}, "
            f"total_variation_weight {values['total_variation_weight']:.3g}, style_scale "
            f"{values['style_scale']:g}{_color_note(values)}; showing the best image (step "
            f"{result.best_step}).{note}"
        )
        return result


class FastPanel(_Panel):
    """Sliders for the Magenta fast path; build it with :func:`fast_panel`."""

    _kind = "fast"
    _hooks = ("max_dim", "strength", "preserve_color")

    def __init__(self, content: str, style: str, max_dim: int, strength: float) -> None:
        self.stylizer = load_stylizer()
        # The slider stops where a larger max_dim stops giving finer strokes (offline: 384 px).
        highest = min(PANEL_MAX_DIM, self.stylizer.largest_useful_dim or PANEL_MAX_DIM)
        self.max_dim = _slider(
            widgets.IntSlider,
            "max_dim",
            min(max_dim, highest),
            PANEL_MIN_DIM,
            highest,
            32,
            continuous_update=False,
        )
        self.strength = _slider(
            widgets.FloatSlider, "strength", strength, 0.0, 1.0, 0.05, continuous_update=False
        )
        self.preserve_color = _color_dropdown()
        super().__init__(content, style, [self.max_dim, self.strength, self.preserve_color])
        for control in (self.max_dim, self.strength, self.preserve_color):
            control.observe(lambda _: self.run(), names="value")

    @property
    def values(self) -> dict:
        """The current slider values."""
        return {
            "max_dim": self.max_dim.value,
            "strength": self.strength.value,
            "preserve_color": _color_value(self.preserve_color),
        }

    def _run(self) -> tf.Tensor:
        values = self.values
        content = self.content_picker.load(max_dim=values["max_dim"])
        style = self.style_picker.load()
        image = self.stylizer(
            content, style, strength=values["strength"], preserve_color=values["preserve_color"]
        )
        self.picture.value = _png(image)
        self.status.value = html.escape(
            f"Done: {image.shape[2]}×{image.shape[1]} px with the {self.stylizer.name} backend, "
            f"strength {values['strength']:.2f}{_color_note(values)}."
        )
        return image


def _slider(kind: type, name: str, value, low, high, step, **options) -> widgets.Widget:
    return kind(
        value=value,
        min=low,
        max=high,
        step=step,
        description=name,
        style=DESCRIPTION_STYLE,
        **tooltip(kind, TOOLTIPS[name]),
        layout=widgets.Layout(width=_WIDTH),
        **options,
    )


#: The dropdown's label for ``preserve_color=None`` (the painting's colours).
PAINTINGS_COLORS = "none"


def _color_dropdown() -> widgets.Dropdown:
    return widgets.Dropdown(
        options=[PAINTINGS_COLORS, *PRESERVE_COLOR],
        value=PAINTINGS_COLORS,
        description="preserve_color",
        style=DESCRIPTION_STYLE,
        **tooltip(widgets.Dropdown, TOOLTIPS["preserve_color"]),
    )


def _color_value(dropdown: widgets.Dropdown) -> str | None:
    return None if dropdown.value == PAINTINGS_COLORS else dropdown.value


def _color_note(values: dict) -> str:
    color = values["preserve_color"]
    return f", the photo's colours kept ({color})" if color else ""


def _log_slider(name: str, value: float) -> widgets.FloatLogSlider:
    exponent = round(math.log10(value)) if value > 0 else 0
    return _slider(
        widgets.FloatLogSlider,
        name,
        value,
        exponent - 4,
        exponent + 4,
        0.25,
        base=10,
        readout_format=".2g",
    )


def _loss_html(step: int, losses: dict) -> str:
    parts = ", ".join(f"{name} {value:.4g}" for name, value in losses.items())
    return html.escape(f"step {step}: {parts}")


def gatys_panel(
    content: str = "tuebingen",
    style: str = "starry_night",
    backbone: str = "auto",
    max_dim: int = 256,
    steps: int = 50,
    optimizer: str = "adam",
) -> GatysPanel:
    """A panel with sliders for the Gatys loop (notebook 03).

    Args:
        content: Bundled content image shown first.
        style: Bundled style image shown first.
        backbone: ``"auto"``, ``"vgg19"`` or ``"vgg16-hed"``; the weight sliders start at its
            default weights.
        max_dim: Starting ``max_dim``.
        steps: Starting number of steps.
        optimizer: Starting optimizer, ``"adam"`` or ``"lbfgs"``.

    Returns:
        The panel; display it, press Run (or call ``panel.run()``).

    Raises:
        NSTError: If a starting value is out of range.
    """
    max_dim = _check_start(content, style, max_dim)
    check_choice("backbone", backbone, BACKBONES)
    steps = check_int("the panel's steps", steps, 1, PANEL_MAX_STEPS)
    check_choice("optimizer", optimizer, OPTIMIZERS)
    return GatysPanel(content, style, backbone, max_dim, steps, optimizer)


def fast_panel(
    content: str = "tuebingen",
    style: str = "starry_night",
    max_dim: int = FAST_MAX_DIM,
    strength: float = 1.0,
) -> FastPanel:
    """A panel with ``max_dim`` and ``strength`` sliders for the fast path (notebook 04).

    Args:
        content: Bundled content image shown first.
        style: Bundled style image shown first.
        max_dim: Starting ``max_dim`` of the content image. The slider ends where a larger one
            stops giving finer strokes: at 384 px on the offline backend, which stylises larger
            pictures at 384 px and enlarges them.
        strength: Starting style strength in ``[0, 1]``.

    Returns:
        The panel; it stylises when a slider is released, or on Run / ``panel.run()``.

    Raises:
        NSTError: If a starting value is out of range.
    """
    max_dim = _check_start(content, style, max_dim)
    strength = check_float("strength", strength, 0.0, 1.0)
    return FastPanel(content, style, max_dim, strength)


def _check_start(content: str, style: str, max_dim: int) -> int:
    """Check the starting images and ``max_dim`` of a panel; return ``max_dim`` as an int."""
    for kind, name in (("content", content), ("style", style)):
        if name not in list_images(kind):
            raise NSTError(
                f"{kind}={name!r} is not a bundled {kind} image; use one of "
                f"{', '.join(list_images(kind))} (upload others in the panel)"
            )
    return check_int("the panel's max_dim", max_dim, PANEL_MIN_DIM, PANEL_MAX_DIM)


__all__ = [
    "PANEL_MAX_DIM",
    "PANEL_MAX_STEPS",
    "PANEL_MIN_DIM",
    "FastPanel",
    "GatysPanel",
    "fast_panel",
    "gatys_panel",
]
