"""How pages hand work to each other: small typed helpers, so no page writes another page's
session-state keys by hand.

- :func:`open_in_studio` / :func:`recipe_to_open` / :func:`image_recipe_to_open`: a recipe to
  load into the Studio's controls (an image recipe into its Images view); :func:`opened_notice`
  says what was opened.
- :func:`start_sweep` / :func:`running_sweep` / :func:`close_sweep`: the threshold sweep the
  Studio starts and the Sweep page runs.
- :func:`show_on_recipes_page`: the Recipes page with one recipe picked.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from augment.recipe import Recipe
from augment.store import Media

STUDIO, SWEEP, RECIPES = "views/studio.py", "views/sweep.py", "views/recipes.py"
_OPEN_RECIPE = "open_recipe"  # the recipe's JSON, taken (once) by the Studio
_OPEN_IMAGE_RECIPE = "open_image_recipe"  # an image recipe's JSON, taken by the Images view
_STUDIO_MEDIA = "studio_media"  # the Studio's Media switch
#: the Media switch's option for each kind of recipe
_MEDIA = {"audio": "Audio", "image": "Images"}
_SWEEP = "sweep"  # the running sweep (see start_sweep)
_RECIPE_PICK = "recipe_pick"  # the Recipes page's recipe selectbox


def open_in_studio(recipe: Recipe) -> None:
    """Go to the Studio with ``recipe`` loaded into its controls: an image recipe in the
    Studio's Images view, any other in the audio one."""
    pictures = recipe.modality == "image"
    st.session_state[_OPEN_IMAGE_RECIPE if pictures else _OPEN_RECIPE] = recipe.to_json()
    st.session_state[_STUDIO_MEDIA] = _MEDIA["image" if pictures else "audio"]
    st.switch_page(STUDIO)


def recipe_to_open() -> Recipe | None:
    """The recipe another page asked the Studio to open, once (``None`` when there is none)."""
    text = st.session_state.pop(_OPEN_RECIPE, None)
    return None if text is None else Recipe.from_json(text)


def image_recipe_to_open() -> Recipe | None:
    """The image recipe another page asked the Studio's Images view to open, once."""
    text = st.session_state.pop(_OPEN_IMAGE_RECIPE, None)
    return None if text is None else Recipe.from_json(text)


def opened_notice(recipe: Recipe, notes: list[str]) -> None:
    """The Studio's note on the recipe it just opened (audio or pictures alike)."""
    from views._common import md

    st.info(
        f"Opened recipe **{md(recipe.name)}** (`{recipe.id}`). Changing anything makes a new"
        " recipe; the old one and its reviews stay."
        + (f" Note: {md('; '.join(notes))}." if notes else ""),
        icon=":material/open_in_new:",
    )


def start_sweep(
    recipe: Recipe,
    key: str,
    values: list[float],
    *,
    seed: int,
    clip: Media,
    noise: Media | None,
    ir: Media | None,
) -> None:
    """Go to the Sweep page with a new sweep of ``key`` (``"<step>.<param>"``) over ``values``."""
    st.session_state[_SWEEP] = {
        "recipe": recipe.to_json(indent=None),
        "key": key,
        "values": list(values),
        "seed": int(seed),
        "clip": clip.hash,
        "noise": [noise.hash, noise.name] if noise else None,
        "ir": [ir.hash, ir.name] if ir else None,
        "answers": {},
    }
    st.switch_page(SWEEP)


def running_sweep() -> dict[str, Any] | None:
    """The running sweep: ``recipe`` (JSON), ``key``, ``values``, ``seed``, ``clip`` (hash),
    ``noise`` / ``ir`` (``[hash, name]`` or None) and ``answers`` (rung position as a string ->
    the answer saved for it); ``None`` when no sweep runs."""
    return st.session_state.get(_SWEEP) or None


def close_sweep() -> None:
    st.session_state.pop(_SWEEP, None)


def show_on_recipes_page(recipe_id: str) -> None:
    """Go to the Recipes page with ``recipe_id`` picked."""
    st.session_state[_RECIPE_PICK] = recipe_id
    st.switch_page(RECIPES)
