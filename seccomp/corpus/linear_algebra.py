# numpy linear algebra and FFT at sizes where OpenBLAS does real work.
import numpy as np


def main():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 300))
    b = rng.standard_normal(300)
    x = np.linalg.solve(a, b)
    inverse = np.linalg.inv(a)
    eigenvalues = np.linalg.eigvals(a[:100, :100])
    u, s, vt = np.linalg.svd(a[:200, :150], full_matrices=False)
    q, r = np.linalg.qr(a)
    symmetric = a @ a.T
    cholesky = np.linalg.cholesky(symmetric + 300 * np.eye(300))
    least, *_ = np.linalg.lstsq(a[:, :50], b, rcond=None)
    spectrum = np.fft.rfft(np.sin(np.linspace(0, 64 * np.pi, 4096)))
    assert np.allclose(a @ x, b)
    assert np.allclose(inverse @ a, np.eye(300), atol=1e-8)
    assert np.allclose(u * s @ vt, a[:200, :150])
    assert np.allclose(q @ r, a)
    return {
        "det_sign": float(np.sign(np.linalg.det(a))),
        "eigen": len(eigenvalues),
        "rank": int(np.linalg.matrix_rank(a)),
        "cholesky_ok": bool(np.allclose(cholesky @ cholesky.T, symmetric + 300 * np.eye(300))),
        "least_squares": len(least),
        "peak": int(np.argmax(np.abs(spectrum))),
        "einsum": float(np.einsum("ij,ij->", a[:10, :10], a[:10, :10])),
    }
