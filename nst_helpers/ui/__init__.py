"""ipywidgets panels with sliders, and their image pickers (notebooks 03, 04 and 06).

* :mod:`~nst_helpers.ui.panels` — ``gatys_panel`` and ``fast_panel``;
* :mod:`~nst_helpers.ui.pickers` — the panels' image pickers and uploads.
"""
