"""The recognizer's one exception family, and the message each error carries.

Messages say what was refused and why, for logs and ``digit-recognize``'s output; they never
address the person who sent the image. The bot answers each error type with its own text
(``bot.texts.recognizer_refusal``), in the sender's language.
"""

from recognizer.config import MAX_DIGITS


class RecognizerError(Exception):
    """Base class: anything the recognizer refuses, with a message that says why."""


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


NO_DIGIT = "no handwritten digit found: nothing in the image looks like dark writing on paper"
TOO_MANY_DIGITS = f"more digits in a row than a number holds here (up to {MAX_DIGITS} digits)"
PAGE_OF_TEXT = "the image looks like a page of writing, not one number"
