"""Private kernels: Numba-compiled modules, and ``blas``, the one module
through which every matrix product of the estimators runs (scipy's BLAS for
the RBMs, numpy's matmul for the MLPs' and autoencoders' plain products).

Kernels take arrays and scalars only, write into buffers they are given and
never see an estimator, a dict or a ``random_state``. The Numba kernels are
single-threaded on purpose: the matrix products go to BLAS, which owns the
cores, and a second spinning thread pool beside BLAS's makes both crawl.
"""
