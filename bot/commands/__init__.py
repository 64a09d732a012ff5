"""One module per `wegweiser` subcommand; each exposes `async def <name>(args, settings) -> int`."""
