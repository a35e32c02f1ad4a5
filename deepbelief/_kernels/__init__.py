"""Private Numba kernels.

Kernels take arrays and scalars only, write into buffers they are given and
never see an estimator, a dict or a ``random_state``. They are
single-threaded on purpose: the matrix products go to BLAS, which owns the
cores, and a second spinning thread pool beside BLAS's makes both crawl.
"""
