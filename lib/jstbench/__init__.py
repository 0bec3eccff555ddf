"""jstbench: benchmarking of public services of Polish local governments (JST).

Pipeline: catalogue -> data -> indicators -> comparison -> report -> site.
"""

__version__ = "0.1.0"
