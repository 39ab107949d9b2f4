using static TorchSharp.torch;

namespace Kodiak.Training.Augmentation;

/// <summary>
/// The per-image random values one <see cref="Augment"/> call uses, each a float (or, for
/// <see cref="Dihedral"/>, int64) tensor of shape [N]; the neutral value means "not applied".
/// </summary>
/// <param name="Dihedral">Index 0–7 into fastai's dihedral table: 0 identity, 1 horizontal flip.</param>
/// <param name="RotateDegrees">Rotation in degrees; neutral 0.</param>
/// <param name="Zoom">Zoom factor (≥ 1 zooms in); neutral 1.</param>
/// <param name="ZoomColumn">Horizontal position of the zoom centre in [0, 1]; irrelevant when zoom is 1.</param>
/// <param name="ZoomRow">Vertical position of the zoom centre in [0, 1]; irrelevant when zoom is 1.</param>
/// <param name="WarpX">Perspective magnitude fastai calls <c>x_t</c>; neutral 0.</param>
/// <param name="WarpY">Perspective magnitude fastai calls <c>y_t</c>; neutral 0.</param>
/// <param name="Brightness">Brightness "change" in (0, 1), added as its logit; neutral 0.5.</param>
/// <param name="Contrast">Contrast factor multiplying the logits; neutral 1.</param>
internal sealed record AugmentParameters(
    Tensor Dihedral, Tensor RotateDegrees, Tensor Zoom, Tensor ZoomColumn, Tensor ZoomRow,
    Tensor WarpX, Tensor WarpY, Tensor Brightness, Tensor Contrast)
{
    /// <summary>Parameters that leave all <paramref name="count"/> images unchanged.</summary>
    public static AugmentParameters Neutral(long count) => new(
        zeros(count, ScalarType.Int64), zeros(count), ones(count), full(count, 0.5f), full(count, 0.5f),
        zeros(count), zeros(count), full(count, 0.5f), ones(count));
}
