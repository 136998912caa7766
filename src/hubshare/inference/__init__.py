"""Inference: trend tests, period contrasts and eras, their calibration, and the text that reports them."""
