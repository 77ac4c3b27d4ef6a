"""Analysis subcommands of ``simcrm``, one module each with a ``register(subparsers)``."""
