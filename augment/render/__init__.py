"""Offline augmentation: render an accepted recipe over a dataset of clips or pictures,
reproducibly, without leaking into evaluation data, in this process, a local process pool or on
a Dask cluster.

- :mod:`augment.render.media`: what differs between audio and pictures (chosen by the recipe's
  modality; every piece below asks it);
- :mod:`augment.render.inputs`: folders and NeMo-style manifests (JSON Lines, CSV);
- :mod:`augment.render.guard`: the leakage guard (splits, groups, noises, purposes);
- :mod:`augment.render.work`: the one pure function every executor runs, and the seeding;
- :mod:`augment.render.shared`: what a worker reads once, and the atomic writes;
- :mod:`augment.render.executors`: in-process, process pool, Dask;
- :mod:`augment.render.output`: journal (resume), manifests, errors;
- :mod:`augment.render.progress`: progress bar, plain lines, progress file;
- :mod:`augment.render.run`: the whole run (:func:`render_dataset`).
"""

from augment.render.guard import LeakageError
from augment.render.inputs import InputError
from augment.render.run import Options, execute, prepare, render_dataset, summary_lines
from augment.render.work import derive_seed, output_rel, render_task

__all__ = [
    "InputError",
    "LeakageError",
    "Options",
    "derive_seed",
    "execute",
    "output_rel",
    "prepare",
    "render_dataset",
    "render_task",
    "summary_lines",
]
