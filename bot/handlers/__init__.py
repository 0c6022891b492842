"""Update callbacks, one module per kind of conversation; ``bot.application`` wires them up."""
