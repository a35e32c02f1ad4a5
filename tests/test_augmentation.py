import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import gaussian_filter
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from deepbelief.augmentation import (
    ColorJitter,
    Compose,
    ElasticDistortion,
    GaussianNoise,
    HorizontalFlip,
    PCALighting,
    RandomCrop,
    RandomShift,
    elastic_displacement,
    flip_horizontal,
    shift_images,
    warp_images,
)

GRAY = (5, 6)
COLOUR = (4, 5, 3)


def images(image_shape, n_images=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.random((n_images, int(np.prod(image_shape)))).astype(dtype)


def as_images(X, image_shape):
    h, w = image_shape[:2]
    c = image_shape[2] if len(image_shape) == 3 else 1
    return X.reshape(X.shape[0], h, w, c)


def fitted_lighting(**kwargs):
    # components passed as parameters survive clone(), unlike a fit
    fitted = PCALighting(COLOUR).fit(images(COLOUR, n_images=6, seed=9))
    return PCALighting(
        COLOUR, eigenvalues=fitted.eigenvalues_, eigenvectors=fitted.eigenvectors_, **kwargs
    )


# Each augmenter with a strength that changes the images, and at zero strength.
AUGMENTERS = {
    "shift": (GRAY, lambda rs: RandomShift(GRAY, max_shift=2, random_state=rs),
              lambda: RandomShift(GRAY, max_shift=0)),
    "crop": (COLOUR, lambda rs: RandomCrop(COLOUR, padding=2, random_state=rs),
             lambda: RandomCrop(COLOUR, padding=0)),
    "flip": (COLOUR, lambda rs: HorizontalFlip(COLOUR, p=0.5, random_state=rs),
             lambda: HorizontalFlip(COLOUR, p=0.0)),
    "elastic": (GRAY, lambda rs: ElasticDistortion(GRAY, alpha=8.0, sigma=1.0, random_state=rs),
                lambda: ElasticDistortion(GRAY, alpha=0.0)),
    "noise": (GRAY, lambda rs: GaussianNoise(GRAY, std=0.1, random_state=rs),
              lambda: GaussianNoise(std=0.0)),
    "jitter": (COLOUR, lambda rs: ColorJitter(COLOUR, brightness=0.4, contrast=0.4, random_state=rs),
               lambda: ColorJitter(COLOUR, brightness=0.0, contrast=0.0)),
    "lighting": (COLOUR, lambda rs: fitted_lighting(std=0.1, random_state=rs),
                 lambda: fitted_lighting(std=0.0)),
    "compose": (GRAY, lambda rs: Compose([RandomShift(GRAY, max_shift=1),
                                          ElasticDistortion(GRAY, alpha=5.0, sigma=1.0)],
                                         random_state=rs),
                lambda: Compose([RandomShift(GRAY, max_shift=0), GaussianNoise(std=0.0)])),
}


@pytest.mark.parametrize("name", AUGMENTERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_dtype_and_input_untouched(name, dtype):
    image_shape, make, _ = AUGMENTERS[name]
    X = images(image_shape, dtype=dtype)
    original = X.copy()
    out = make(0)(X)
    assert out.shape == X.shape and out.dtype == dtype
    assert out is not X and not np.shares_memory(out, X)
    np.testing.assert_array_equal(X, original)
    assert not np.array_equal(out, X)


@pytest.mark.parametrize("name", AUGMENTERS)
def test_identity_at_zero_strength(name):
    image_shape, _, make_identity = AUGMENTERS[name]
    X = images(image_shape)
    out = make_identity()(X, random_state=3)
    np.testing.assert_array_equal(out, X)
    assert not np.shares_memory(out, X)


@pytest.mark.parametrize("name", AUGMENTERS)
def test_reproducible_from_seed(name):
    image_shape, make, _ = AUGMENTERS[name]
    X = images(image_shape, n_images=6)
    a, b = make(42), make(42)
    first, second = a(X), a(X)
    np.testing.assert_array_equal(first, b(X))
    np.testing.assert_array_equal(second, b(X))
    assert not np.array_equal(first, second)  # the stream moves on
    # a Generator given to the call is used instead of the own stream
    c = make(42)
    from_gen = c(X, random_state=np.random.default_rng(7))
    np.testing.assert_array_equal(from_gen, make(0)(X, random_state=np.random.default_rng(7)))
    np.testing.assert_array_equal(c(X), first)  # own stream not consumed
    # clone and pickle keep the parameters
    np.testing.assert_array_equal(clone(make(42))(X), first)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(make(42)))(X), first)


def rolled_with_fill(img, dy, dx, fill):
    """np.roll, then the rows/columns that wrapped around set to ``fill``."""
    out = np.roll(img, (dy, dx), axis=(1, 2))
    if dy > 0:
        out[:, :dy] = fill
    elif dy < 0:
        out[:, dy:] = fill
    if dx > 0:
        out[:, :, :dx] = fill
    elif dx < 0:
        out[:, :, dx:] = fill
    return out


@pytest.mark.parametrize("image_shape", [GRAY, COLOUR])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_pixel_shift_is_roll_with_border_filled(image_shape, dtype):
    X = images(image_shape, dtype=dtype)
    img = as_images(X, image_shape)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            out = shift_images(X, image_shape, (dy, dx), fill=-7.0)
            expected = rolled_with_fill(img, dy, dx, -7.0)
            np.testing.assert_array_equal(as_images(out, image_shape), expected)


def test_random_shift_is_one_of_the_rolls():
    X = images(GRAY, n_images=30)
    out = as_images(RandomShift(GRAY, max_shift=1, fill=0.5, random_state=1)(X), GRAY)
    img = as_images(X, GRAY)
    seen = set()
    for i in range(X.shape[0]):
        matches = [
            (dy, dx)
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            if np.array_equal(out[i], rolled_with_fill(img[i : i + 1], dy, dx, 0.5)[0])
        ]
        assert matches, f"image {i} is not a one-pixel shift"
        seen.add(matches[0])
    assert len(seen) > 3


def crop_reference(img, padding, mode, fill, oy, ox):
    h, w = img.shape[:2]
    pad = ((padding, padding), (padding, padding), (0, 0))
    if mode == "constant":
        padded = np.pad(img, pad, mode="constant", constant_values=fill)
    else:
        padded = np.pad(img, pad, mode=mode)
    return padded[oy : oy + h, ox : ox + w]


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect"])
def test_random_crop_is_a_crop_of_the_padded_image(mode):
    X = images(COLOUR, n_images=12, seed=4)
    p = 2
    out = as_images(RandomCrop(COLOUR, padding=p, padding_mode=mode, fill=0.25, random_state=0)(X), COLOUR)
    img = as_images(X, COLOUR)
    for i in range(X.shape[0]):
        assert any(
            np.array_equal(out[i], crop_reference(img[i], p, mode, 0.25, oy, ox))
            for oy in range(2 * p + 1)
            for ox in range(2 * p + 1)
        ), f"image {i} is not a crop"


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 6),
    w=st.integers(1, 6),
    c=st.integers(1, 3),
    dy=st.integers(-8, 8),
    dx=st.integers(-8, 8),
    mode=st.sampled_from(["constant", "edge", "reflect"]),
)
def test_shift_matches_padding_reference(h, w, c, dy, dx, mode):
    image_shape = (h, w, c)
    X = images(image_shape, n_images=2, seed=h * 100 + w)
    P = max(abs(dy), abs(dx))
    img = as_images(X, image_shape)
    expected = np.stack([crop_reference(im, P, mode, 2.0, P - dy, P - dx) for im in img])
    out = shift_images(X, image_shape, (dy, dx), fill=2.0, mode=mode)
    np.testing.assert_array_equal(as_images(out, image_shape), expected)


@pytest.mark.parametrize("image_shape", [GRAY, COLOUR])
def test_flips_are_involutions(image_shape):
    X = images(image_shape, n_images=8)
    once = flip_horizontal(X, image_shape)
    np.testing.assert_array_equal(as_images(once, image_shape), as_images(X, image_shape)[:, :, ::-1])
    np.testing.assert_array_equal(flip_horizontal(once, image_shape), X)
    aug = HorizontalFlip(image_shape, p=0.5)
    twice = aug(aug(X, random_state=np.random.default_rng(5)), random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(twice, X)
    np.testing.assert_array_equal(HorizontalFlip(image_shape, p=1.0)(X), once)
    mixed = aug(X, random_state=np.random.default_rng(5))
    flipped = [np.array_equal(mixed[i], once[i]) for i in range(8)]
    unchanged = [np.array_equal(mixed[i], X[i]) for i in range(8)]
    assert all(f or u for f, u in zip(flipped, unchanged))
    assert any(flipped) and any(unchanged)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_displacement_warp_is_identity(dtype):
    X = images(COLOUR, dtype=dtype)
    X[1, 4] = np.nan
    X[2, 7] = np.inf
    out = warp_images(X, COLOUR, np.zeros((X.shape[0], 2, 4, 5)))
    np.testing.assert_array_equal(out, X)


def slow_bilinear(img, dy, dx, fill):
    h, w, c = img.shape
    out = np.empty_like(img, dtype=np.float64)

    def pixel(yy, xx):
        if 0 <= yy < h and 0 <= xx < w:
            return img[yy, xx].astype(np.float64)
        return np.full(c, fill)

    for y in range(h):
        for x in range(w):
            sy, sx = y + float(dy[y, x]), x + float(dx[y, x])
            y0, x0 = math.floor(sy), math.floor(sx)
            ty, tx = sy - y0, sx - x0
            top = (1 - tx) * pixel(y0, x0) + tx * pixel(y0, x0 + 1)
            bottom = (1 - tx) * pixel(y0 + 1, x0) + tx * pixel(y0 + 1, x0 + 1)
            out[y, x] = (1 - ty) * top + ty * bottom
    return out


@pytest.mark.parametrize("image_shape", [GRAY, COLOUR])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_bilinear_warp_matches_slow_version(image_shape, dtype, rtol):
    h, w = image_shape[:2]
    X = images(image_shape, n_images=3, dtype=dtype)
    rng = np.random.default_rng(1)
    # displacements reaching past the border test the fill value too
    displacement = rng.uniform(-2.5, 2.5, size=(3, 2, h, w)).astype(dtype)
    out = warp_images(X, image_shape, displacement, fill=0.3)
    img = as_images(X, image_shape)
    for i in range(3):
        expected = slow_bilinear(img[i], displacement[i, 0], displacement[i, 1], 0.3)
        np.testing.assert_allclose(as_images(out, image_shape)[i], expected, rtol=rtol, atol=rtol)


def test_integer_displacement_equals_shift():
    X = images(GRAY)
    displacement = np.zeros((X.shape[0], 2) + GRAY)
    displacement[:, 0] = -1.0  # read one row up: content moves down
    displacement[:, 1] = 2.0  # read two columns right: content moves left
    np.testing.assert_allclose(
        warp_images(X, GRAY, displacement, fill=0.5),
        shift_images(X, GRAY, (1, -2), fill=0.5),
    )


def test_elastic_displacement_field():
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
        field = elastic_displacement(4, 10, 12, alpha=34.0, sigma=2.0, rng=rng_a, dtype=dtype)
        assert field.shape == (4, 2, 10, 12) and field.dtype == dtype
        raw = 2.0 * rng_b.random(size=(4, 2, 10, 12), dtype=dtype).astype(np.float64) - 1.0
        for i in range(4):
            for axis in range(2):
                expected = 34.0 * gaussian_filter(raw[i, axis], sigma=2.0, mode="constant")
                np.testing.assert_allclose(field[i, axis], expected, rtol=tol, atol=tol * 34)
    unsmoothed = elastic_displacement(50, 4, 4, alpha=3.0, sigma=0.0, rng=np.random.default_rng(0))
    assert np.abs(unsmoothed).max() <= 3.0 and np.abs(unsmoothed).max() > 2.5


def test_elastic_distortion_uses_the_field_from_its_stream():
    X = images(GRAY)
    aug = ElasticDistortion(GRAY, alpha=6.0, sigma=1.5, fill=0.1)
    out = aug(X, random_state=np.random.default_rng(11))
    field = elastic_displacement(X.shape[0], *GRAY, 6.0, 1.5, np.random.default_rng(11))
    img = as_images(X, GRAY)
    for i in range(X.shape[0]):
        expected = slow_bilinear(img[i], field[i, 0], field[i, 1], 0.1)
        np.testing.assert_allclose(as_images(out, GRAY)[i], expected, rtol=1e-12, atol=1e-12)


def test_gaussian_noise_statistics_and_clip():
    X = np.full((200, 100), 0.5)
    noise = GaussianNoise(std=0.2, random_state=0)(X) - X
    assert abs(noise.mean()) < 0.01
    assert abs(noise.std() - 0.2) < 0.01
    clipped = GaussianNoise(std=1.0, clip=(0.0, 1.0), random_state=0)(X)
    assert clipped.min() == 0.0 and clipped.max() == 1.0


def test_color_jitter_brightness_and_contrast():
    X = images(COLOUR, n_images=20) + 0.1
    bright = ColorJitter(COLOUR, brightness=0.3, contrast=0.0, random_state=0)(X)
    factors = bright / X
    np.testing.assert_allclose(factors, factors[:, :1] * np.ones_like(X), rtol=1e-12)
    assert factors.min() >= 0.7 and factors.max() <= 1.3 and factors.std() > 0
    contrast = ColorJitter(COLOUR, brightness=0.0, contrast=0.5, random_state=0)(X)
    np.testing.assert_allclose(contrast.mean(axis=1), X.mean(axis=1), rtol=1e-12)
    ratio = (contrast - contrast.mean(axis=1, keepdims=True)) / (X - X.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones_like(X), rtol=1e-9)
    assert ratio.min() >= 0.5 and ratio.max() <= 1.5


def test_pca_lighting_fit_and_offsets():
    X = images(COLOUR, n_images=6, seed=9)
    lighting = PCALighting(COLOUR).fit(X)
    pixels = X.reshape(-1, 3)
    centred = pixels - pixels.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred / pixels.shape[0])
    np.testing.assert_allclose(lighting.eigenvalues_, values[::-1], rtol=1e-10)
    np.testing.assert_allclose(np.abs(lighting.eigenvectors_.T @ vectors[:, ::-1]), np.eye(3), atol=1e-10)

    # every pixel of an image gets the same colour offset, in the span of
    # the components weighted by their eigenvalues
    given = PCALighting(COLOUR, std=0.1, eigenvalues=[2.0, 0.5, 0.0], eigenvectors=np.eye(3))
    Xb = images(COLOUR, n_images=2000, seed=2)
    delta = as_images(given(Xb, random_state=0) - Xb, COLOUR)
    np.testing.assert_allclose(delta, delta[:, :1, :1] * np.ones_like(delta), atol=1e-12)
    offsets = delta[:, 0, 0]
    np.testing.assert_array_equal(offsets[:, 2], 0.0)
    # alpha_i ~ N(0, 0.1), so offset_i / lambda_i has standard deviation 0.1
    assert abs(offsets[:, 0].std() / 2.0 - 0.1) < 0.01
    assert abs(offsets[:, 1].std() / 0.5 - 0.1) < 0.01


def test_compose_equals_steps_in_turn():
    X = images(GRAY)
    steps = [RandomShift(GRAY, max_shift=1), GaussianNoise(std=0.1), ElasticDistortion(GRAY, alpha=3.0, sigma=1.0)]
    composed = Compose(steps)(X, random_state=np.random.default_rng(4))
    rng = np.random.default_rng(4)
    by_hand = X
    for step in steps:
        by_hand = step(by_hand, random_state=rng)
    np.testing.assert_array_equal(composed, by_hand)
    # with no seed anywhere each step draws from its own stream
    a = Compose([RandomShift(GRAY, random_state=1), GaussianNoise(std=0.1, random_state=2)])
    b = GaussianNoise(std=0.1, random_state=2)(RandomShift(GRAY, random_state=1)(X))
    np.testing.assert_array_equal(a(X), b)


def test_random_state_kinds():
    X = images(GRAY)
    aug = RandomShift(GRAY, max_shift=2)
    np.testing.assert_array_equal(aug(X, random_state=5), aug(X, random_state=5))
    np.testing.assert_array_equal(
        aug(X, random_state=np.random.RandomState(1)), aug(X, random_state=np.random.RandomState(1))
    )
    shared = np.random.default_rng(0)
    np.testing.assert_array_equal(
        RandomShift(GRAY, random_state=shared)(X), RandomShift(GRAY)(X, random_state=np.random.default_rng(0))
    )
    with pytest.raises(TypeError, match="random_state must be"):
        aug(X, random_state=True)
    seeded = RandomShift(GRAY, random_state=3)
    seeded(X)
    seeded.set_params(random_state=4)
    np.testing.assert_array_equal(seeded(X), RandomShift(GRAY, random_state=4)(X))


def test_plain_functions_compose():
    X = images(GRAY)

    def negate(X, random_state=None):
        return -X

    np.testing.assert_array_equal(Compose([negate, negate])(X), X)


def test_row_length_mismatch_names_both_numbers():
    X = np.zeros((3, 29))
    for aug in (RandomShift(GRAY), ElasticDistortion(GRAY), HorizontalFlip(GRAY), GaussianNoise(GRAY)):
        with pytest.raises(ValueError, match=r"X has 29 values per row but image_shape \(5, 6\) needs 30"):
            aug(X)
    with pytest.raises(ValueError, match="needs 30"):
        Compose([RandomShift(GRAY)])(X)
    with pytest.raises(ValueError, match="2-D array"):
        RandomShift(GRAY)(np.zeros(30))


@pytest.mark.parametrize(
    "aug, error, message",
    [
        (RandomShift(GRAY, max_shift=-1), ValueError, r"^max_shift must be >= 0; got -1\.$"),
        (RandomShift(GRAY, max_shift=1.5), TypeError, r"^max_shift must be an integer; got 1\.5\.$"),
        (RandomCrop(GRAY, padding=-2), ValueError, r"^padding must be >= 0; got -2\.$"),
        (RandomCrop(GRAY, padding_mode="wrap"), ValueError, "padding_mode must be one of"),
        (HorizontalFlip(GRAY, p=1.5), ValueError, r"^p must be in \[0, 1\]; got 1\.5\.$"),
        (ElasticDistortion(GRAY, alpha=-1.0), ValueError, r"^alpha must be >= 0; got -1\.0\.$"),
        (ElasticDistortion(GRAY, sigma=np.nan), ValueError, r"^sigma must be >= 0; got nan\.$"),
        (GaussianNoise(std=-0.1), ValueError, r"^std must be >= 0; got -0\.1\.$"),
        (GaussianNoise(clip=(1.0, 0.0)), ValueError, "clip must have low <= high"),
        (ColorJitter(COLOUR, contrast=-1), ValueError, r"^contrast must be >= 0; got -1\.$"),
        (RandomShift((0, 6)), ValueError, "image_shape must contain only sizes >= 1"),
        (RandomShift((5, 6, 1, 1)), ValueError, "image_shape must be a tuple"),
        (PCALighting(GRAY), ValueError, "must be \\(height, width, channels\\) for PCALighting"),
        (RandomShift(GRAY, random_state="seed"), TypeError, "random_state must be"),
        (Compose([RandomShift(GRAY), 3]), TypeError, "augmenters must contain only callables"),
    ],
)
def test_parameter_errors(aug, error, message):
    shape = COLOUR if isinstance(aug, ColorJitter) else GRAY
    with pytest.raises(error, match=message):
        aug(images(shape))


def test_pca_lighting_needs_components():
    with pytest.raises(NotFittedError, match="call fit"):
        PCALighting(COLOUR)(images(COLOUR))
    with pytest.raises(ValueError, match="given together"):
        PCALighting(COLOUR, eigenvalues=[1.0, 1.0, 1.0])(images(COLOUR))
    with pytest.raises(ValueError, match=r"eigenvalues must have shape \(3,\)"):
        PCALighting(COLOUR, eigenvalues=[1.0], eigenvectors=np.eye(3))(images(COLOUR))


def test_non_float_input_becomes_float64():
    X = (images(GRAY) * 255).astype(np.uint8)
    out = RandomShift(GRAY, max_shift=0)(X)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, X)


def test_non_contiguous_input():
    X = images(GRAY, n_images=8)[::2]
    np.testing.assert_array_equal(RandomShift(GRAY, max_shift=0)(X), X)
    np.testing.assert_array_equal(flip_horizontal(flip_horizontal(X, GRAY), GRAY), X)
