"""The only place that formats results or escapes text for a terminal: text, JSON, SARIF, GitHub, JUnit."""
