"""Things leaving augcheck: reviews as CSV/Parquet (:mod:`.reviews`), recipes as an
audiomentations pipeline (:mod:`.audiomentations`), image recipes as an albumentations pipeline
(:mod:`.albumentations`)."""
