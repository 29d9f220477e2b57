"""The `aso` command line: one thin module per command, each building a config and calling the library."""
