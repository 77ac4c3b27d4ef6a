"""Analyses built on the engine: paired comparison, failure thresholds, simulated
surveys and the failure rate they report, calibration to targets."""
