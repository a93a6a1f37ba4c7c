# numpy: linear algebra (solve, inverse, eigenvalues, SVD, lstsq) and an FFT round trip.
import numpy as np


def main():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(50, 50)) + 50 * np.eye(50)
    b = rng.normal(size=50)
    x = np.linalg.solve(a, b)
    symmetric = a + a.T
    signal = np.sin(np.linspace(0, 8 * np.pi, 256))
    spectrum = np.fft.rfft(signal)
    return {
        "residual_small": bool(np.allclose(a @ x, b)),
        "inverse_ok": bool(np.allclose(np.linalg.inv(a) @ a, np.eye(50))),
        "eigen_real": bool(np.isrealobj(np.linalg.eigvalsh(symmetric))),
        "rank": int(np.linalg.matrix_rank(a)),
        "svd_count": len(np.linalg.svd(a, compute_uv=False)),
        "lstsq": np.round(
            np.linalg.lstsq(np.vander([1.0, 2, 3, 4], 2), [2.0, 4, 6, 8], rcond=None)[0], 10
        ).tolist(),
        "fft_peak": int(np.argmax(np.abs(spectrum))),
        "roundtrip": bool(np.allclose(np.fft.irfft(spectrum, 256), signal)),
        "det_sign": int(np.sign(np.linalg.det(a))),
    }
