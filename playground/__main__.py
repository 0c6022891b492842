"""`digitbot-playground` / `python -m playground`: try the bot in a browser, offline."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from playground import texts
from playground.launcher import Options, run


def _options(argv: list[str] | None) -> Options:
    defaults = Options()
    parser = argparse.ArgumentParser(
        prog=texts.PROGRAM,
        description=texts.DESCRIPTION,
    )
    parser.add_argument(
        "--host",
        default=defaults.host,
        help="address to listen on (default: %(default)s; 0.0.0.0 lets a phone on your "
        "network in, and anyone else there too)",
    )
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=defaults.data_dir,
        help="the bot's DATA_DIR: its database and labelled samples (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default=defaults.log_level,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="the bot's LOG_LEVEL (default: %(default)s)",
    )
    parser.add_argument(
        "--log-file", type=Path, help="write the bot's log here instead of the terminal"
    )
    parser.add_argument(
        "--mnist",
        type=Path,
        metavar="MNIST.npz",
        help="this computer's copy of mnist.npz, for /retrain as the admin (default: "
        "$DIGITBOT_MNIST_PATH, else Keras' earlier download, else a download at the first "
        "retrain)",
    )
    arguments = parser.parse_args(argv)
    return Options(
        host=arguments.host,
        port=arguments.port,
        data_dir=arguments.data_dir,
        log_level=arguments.log_level,
        log_file=arguments.log_file,
        mnist=arguments.mnist,
    )


def main(argv: list[str] | None = None) -> None:
    sys.exit(asyncio.run(run(_options(argv))))


if __name__ == "__main__":
    main()
