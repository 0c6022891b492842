"""The recognizer's one exception family.

Every message is written for the person who ran the command: the CLI shows ``str(error)`` as
it is, so it must say what went wrong and what to do about it. The bot answers in its users'
languages instead, by the error's type (``bot.texts.recognizer_refusal``): a new kind of refusal
needs its own class.
"""


class RecognizerError(Exception):
    """Base class: anything the recognizer refuses, with a message fit to show a user."""


class ImageDecodeError(RecognizerError):
    """The bytes are not an image we can read (empty, corrupt, truncated, not an image)."""


class ImageTooLargeError(RecognizerError):
    """The image is larger than we agree to decode; refused from its header alone."""


class ImageTooSmallError(RecognizerError):
    """The image is too small to hold a readable digit."""


class NoDigitError(RecognizerError):
    """The image decoded fine but holds nothing that looks like handwriting."""


class ModelLoadError(RecognizerError):
    """The model directory is missing, incomplete or unreadable."""
