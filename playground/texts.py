"""Every sentence ``digitbot-playground`` says to the person who started it."""

from __future__ import annotations

PROGRAM = "digitbot-playground"

DESCRIPTION = (
    "Chat with the real digitbot in your browser: a local fake Telegram, no token and no "
    "network needed. MODEL_DIR and the bot's other settings pass through from the environment."
)


def problem(message: str) -> str:
    return f"{PROGRAM}: {message}"


def port_taken(host: str, port: int, reason: str) -> str:
    return problem(f"cannot listen on {host}:{port} ({reason}); try --port")


def folder_unusable(option: str, path: object, reason: str) -> str:
    return problem(f"cannot write {path} ({reason}); try another {option}")


def bot_ended_during_start_up(status: int | None) -> str:
    return problem(f"the bot stopped during start-up (exit status {status}); see its log")


def bot_not_polling(seconds: float) -> str:
    return problem(f"the bot did not start polling within {seconds:g}s; see its log")


def bot_not_stopping(seconds: float) -> str:
    return problem(f"the bot did not stop within {seconds:g}s; killing it")


def ready(url: str, admin_name: str, admin_id: int, data_dir: str) -> list[str]:
    return [
        f"digitbot playground: open {url}/",
        f"  you chat with the real bot as Ada, or as the admin {admin_name} (id {admin_id})",
        f"  the bot's data: {data_dir}; Ctrl-C stops both",
    ]


def open_to_the_network(host: str, port: str) -> str:
    return (
        f"  listening on {host}: devices on your network (and anyone there) can open "
        f"http://<this machine's address>:{port}/"
    )
