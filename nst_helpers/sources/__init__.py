"""Where the models come from: online when reachable, offline from pip packages otherwise.

Notebooks 01 and 04 open its door (:func:`nst_helpers.models.load_backbone`,
:func:`nst_helpers.magenta.load_stylizer`).

* :mod:`~nst_helpers.sources.choice` — online or offline, and saying once which one runs;
* :mod:`~nst_helpers.sources.vgg` — Keras' ImageNet VGG19, or the offline ``vgg16-hed``;
* :mod:`~nst_helpers.sources.hub` — Magenta's model from TF Hub (or a local SavedModel);
* :mod:`~nst_helpers.sources.kaggle` — the same model from Kaggle, when TF Hub fails;
* :mod:`~nst_helpers.sources.onnx` — Magenta's mobile int8 networks, offline, via onnxruntime;
* :mod:`~nst_helpers.sources.downloads` — pictures from http(s) URLs: size cap, timeout, cache.
"""
