"""Reviewing recipes: blind review rounds, inter-rater agreement, statistics and sweeps."""
