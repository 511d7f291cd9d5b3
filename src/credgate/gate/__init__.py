"""Decisions: what a commit, push, tree or history holds and whether it passes. No click and no printing."""
