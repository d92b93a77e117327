"""Images: decode and encode (``io``), measure (``metrics``), render an image recipe (``render``).

No Streamlit here; Pillow, numpy and scipy only (see the README on why not albumentations).
"""

from augment.image.io import DecodedImage, decode_image, decode_rgba, encode, luminance, to_uint8
from augment.image.render import ImageRendering, overlay_source, render_image

__all__ = [
    "DecodedImage",
    "ImageRendering",
    "decode_image",
    "decode_rgba",
    "encode",
    "luminance",
    "overlay_source",
    "render_image",
    "to_uint8",
]
