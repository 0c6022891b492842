"""The phone's camera: where it points (rotation, perspective, zoom), focus and motion blur,
sharpening, sensor noise and JPEG compression.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from benchmarks.scenes.grain import white_noise

VISIBLE_MARGIN = 0.01
"""Every digit stays at least this share of the frame inside it: a person frames what they
want read."""


@dataclass(frozen=True)
class Shot:
    rotation_deg: float
    tilt: float
    """Perspective: how far each corner may move, as a share of the frame's width."""
    zoom: float
    focus_blur: float
    """Gaussian sigma in pixels."""
    motion_blur: int
    """Length in pixels of a straight camera shake (0 for none)."""
    sharpen: float
    noise: float
    """Standard deviation of the sensor noise on a 0-255 scale, at mid-grey."""
    jpeg_quality: int


def homography(
    shot: Shot,
    size: tuple[int, int],
    boxes: list[tuple[int, int, int, int]],
    rng: np.random.Generator,
) -> np.ndarray:
    """A 3x3 paper-plane-to-picture map that keeps every box (x0, y0, x1, y1) in the frame.

    Gentler poses are tried when a drawn one would cut a digit off; the last try is the identity.
    """
    width, height = size
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    centre = np.array([width / 2, height / 2], np.float32)
    for attempt in range(12):
        calm = 0.75**attempt
        angle = np.deg2rad(shot.rotation_deg * calm)
        turn = np.array(
            [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32
        )
        zoom = 1 + (shot.zoom - 1) * calm
        corners = (frame - centre) @ turn.T * zoom + centre
        corners += rng.uniform(-1, 1, (4, 2)).astype(np.float32) * shot.tilt * calm * width
        matrix = cv2.getPerspectiveTransform(frame, corners.astype(np.float32))
        if all(_inside(project(matrix, box), size) for box in boxes):
            return matrix
    return np.eye(3, dtype=np.float64)


def project(matrix: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The upright rectangle around a plane box after the camera's map."""
    x0, y0, x1, y1 = box
    corners = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float32)
    moved = cv2.perspectiveTransform(corners, matrix)[0]
    low, high = np.floor(moved.min(axis=0)), np.ceil(moved.max(axis=0))
    return int(low[0]), int(low[1]), int(high[0]), int(high[1])


def photograph(plane: np.ndarray, surround: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The plane seen through ``matrix``; ``surround`` shows where the plane does not reach."""
    height, width = surround.shape[:2]
    picture = surround.copy()
    cv2.warpPerspective(
        plane,
        matrix,
        (width, height),
        dst=picture,
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    return picture


def develop(picture: np.ndarray, shot: Shot, rng: np.random.Generator) -> bytes:
    """Blur, sharpening, sensor noise and JPEG: uint8 RGB (H, W, 3) -> JPEG bytes.

    Noise grows with the square root of the brightness (photon noise), with a little
    blotchy colour noise as phones leave it after their denoising.
    """
    if shot.focus_blur > 0.2:
        picture = cv2.GaussianBlur(picture, (0, 0), shot.focus_blur)
    if shot.motion_blur > 1:
        picture = cv2.filter2D(picture, -1, _shake_kernel(shot.motion_blur, rng))
    if shot.sharpen > 0:
        soft = cv2.GaussianBlur(picture, (0, 0), 1.5)
        picture = cv2.addWeighted(picture, 1 + shot.sharpen, soft, -shot.sharpen, 0)
    height, width = picture.shape[:2]
    levels = np.sqrt(np.arange(256, dtype=np.float32) / 255) * np.float32(shot.noise)
    amplitude = levels[cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)]
    chroma = cv2.resize(
        rng.standard_normal((height // 8 + 1, width // 8 + 1, 3), dtype=np.float32),
        (width, height),
        interpolation=cv2.INTER_LINEAR,
    )
    noisy = picture.astype(np.float32)
    noisy += (white_noise((height, width), rng) * amplitude)[..., None]
    noisy += chroma * (0.3 * shot.noise)
    pixels = np.clip(noisy, 0, 255, out=noisy).astype(np.uint8)
    ok, encoded = cv2.imencode(
        ".jpg",
        cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR),
        [cv2.IMWRITE_JPEG_QUALITY, shot.jpeg_quality],
    )
    if not ok:
        raise RuntimeError("OpenCV could not encode the scene as JPEG")
    return encoded.tobytes()


def _inside(box: tuple[int, int, int, int], size: tuple[int, int]) -> bool:
    width, height = size
    margin_x, margin_y = VISIBLE_MARGIN * width, VISIBLE_MARGIN * height
    x0, y0, x1, y1 = box
    return x0 >= margin_x and y0 >= margin_y and x1 <= width - margin_x and y1 <= height - margin_y


def _shake_kernel(length: int, rng: np.random.Generator) -> np.ndarray:
    kernel = np.zeros((length, length), np.float32)
    angle = rng.uniform(0, np.pi)
    middle = (length - 1) / 2
    offset = np.array([np.cos(angle), np.sin(angle)]) * middle
    start = np.round(middle - offset).astype(int)
    end = np.round(middle + offset).astype(int)
    cv2.line(kernel, (int(start[0]), int(start[1])), (int(end[0]), int(end[1])), 1.0, 1)
    return kernel / kernel.sum()
