"""Who spoke when: pyannote's segmentation-3.0 and 3D-Speaker's CAM++ (pipeline.py), the timeline and
its turns (timeline.py), and the speakers of a live stream (live.py)."""
