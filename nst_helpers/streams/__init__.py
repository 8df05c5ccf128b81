"""Many pictures through the fast path: folders of photos and videos (notebook 04, optional part).

* :mod:`~nst_helpers.streams.folders` — :func:`~nst_helpers.streams.folders.stylize_folder`;
* :mod:`~nst_helpers.streams.video` — :func:`~nst_helpers.streams.video.stylize_video`, frames
  streamed in and out;
* :mod:`~nst_helpers.streams.pipeline` — the threads and queues both use.
"""
