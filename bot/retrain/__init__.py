"""Retraining from the chat: the training subprocess, the quality gate and the hot swap.

The bot never imports TensorFlow: training runs as ``python -m training --progress json`` in a
child process, and this package only reads its JSON lines and the model directory it writes.
"""
