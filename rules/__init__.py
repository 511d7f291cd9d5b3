# Ships the rule files beside it as package data (`credgate.rules`), found in editable installs too.
