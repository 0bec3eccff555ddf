"""jstbench: benchmarking of public services of Polish local governments (JST).

Pipeline, one package per stage, each importing only those below it:
core < catalogue < data < indicators < compare < stats < series < views < site < cli.
"""

__version__ = "0.1.0"
