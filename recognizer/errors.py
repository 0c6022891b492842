"""The recognizer's one exception family, and the message each error carries.

Messages are written for the person who sent the image; the CLI shows ``str(error)``, the bot
maps each error type to its own text.
"""

from recognizer.config import MAX_DIGITS


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


class TooManyDigitsError(RecognizerError):
    """More digits than we read at once, or a whole page of writing."""


class ModelLoadError(RecognizerError):
    """The model directory is missing, incomplete or unreadable."""


NO_DIGIT = (
    "I couldn't find a handwritten digit in this picture. "
    "Please photograph one digit, dark on light paper, filling a good part of the frame."
)
TOO_MANY_DIGITS = (
    f"I can read numbers of up to {MAX_DIGITS} digits, and this looks longer. "
    "Please photograph a shorter number."
)
PAGE_OF_TEXT = (
    "This looks like a page of writing. I read one number at a time: "
    "please photograph just the number, filling a good part of the frame."
)
