"""Threat tracks: sensor detections in, tracks out, and the districts each track will reach and when."""
