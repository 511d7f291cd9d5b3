# Ships the POSIX-sh hooks beside it as package data, so `credgate install-hooks` installs the same files.
