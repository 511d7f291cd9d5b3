"""One module per command (and per hook id): a pure `run(...) -> int` plus its click `command`."""
