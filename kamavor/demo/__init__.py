"""The demo network: the top floor. It imports every domain app to build a believable network
through their services, and nothing imports it (only the `kamavor demo` command runs it)."""
