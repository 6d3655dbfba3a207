"""groupconv: group equivariant convolutional networks (Cohen & Welling, ICML 2016) in pure NumPy.

Modules, one concept each (README "Module map"):
    groups     T, p4, p4m as exact integer 3x3 matrices
    action     L_g f = f o g^-1 on images and on functions on G
    correlate  planar, lifting and group correlation/convolution, literal and vectorised
    engine     the planar multi-channel correlation every vectorised layer ends in
    checks     the shared residual function and check printer

set_num_threads(n) / get_num_threads(): the worker threads of the engine (default: every
core this process may use, or the environment variable GROUPCONV_NUM_THREADS). Results
are bitwise the same on any number of threads.
"""
from .engine import get_num_threads, set_num_threads  # the engine's worker threads (engine.py, "Threads")

__version__ = "0.1.0"
