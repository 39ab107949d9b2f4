using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Kodiak.Training.Augmentation;

/// <summary>
/// fastai's <c>aug_transforms</c> on the CPU: random flip (or dihedral), rotation, zoom and perspective warp
/// resampled in a single <c>grid_sample</c>, then brightness and contrast in logit space.
/// </summary>
/// <remarks>
/// As in fastai, each part draws its own per-image mask: flip with p = 0.5, rotation, zoom and each warp
/// axis with <see cref="PAffine"/>, brightness and contrast with <see cref="PLighting"/>. Flip, rotation and
/// zoom compose into one affine matrix per image; the warp then maps the sampling grid's coordinates.
/// </remarks>
public sealed class Augment : IBatchTransform
{
    // fastai's dihedral_mat table, indexed by the drawn element: signs of x and y, and whether the axes swap.
    private static readonly float[] DihedralXs = [1, -1, 1, -1, -1, 1, 1, -1];
    private static readonly float[] DihedralYs = [1, 1, -1, 1, -1, -1, 1, -1];
    private static readonly float[] DihedralSwap = [0, 0, 0, 1, 0, 1, 1, 1];

    // Corners of the normalised image as (x, y), in the order fastai's Warp lists them.
    private static readonly float[] Corners = [-1, -1, -1, 1, 1, -1, 1, 1];

    private const double FlipProbability = 0.5;

    // fastai's logit clamp, keeping black and white pixels finite.
    private const double LogitEps = 1e-7;

    private Augment(double mult, bool doFlip, bool flipVert, double maxRotate, double minZoom, double maxZoom,
        double maxLighting, double maxWarp, double pAffine, double pLighting, GridSamplePaddingMode padding)
    {
        Mult = mult;
        DoFlip = doFlip;
        FlipVert = flipVert;
        MaxRotate = maxRotate;
        MinZoom = minZoom;
        MaxZoom = maxZoom;
        MaxLighting = maxLighting;
        MaxWarp = maxWarp;
        PAffine = pAffine;
        PLighting = pLighting;
        Padding = padding;
    }

    /// <summary>The factor already applied to <see cref="MaxRotate"/>, <see cref="MaxLighting"/> and <see cref="MaxWarp"/>.</summary>
    public double Mult { get; }

    /// <summary>Whether half of the images are flipped (horizontally, or by a dihedral element if <see cref="FlipVert"/>).</summary>
    public bool DoFlip { get; }

    /// <summary>Whether flips are drawn from all 8 dihedral elements rather than only the horizontal flip.</summary>
    public bool FlipVert { get; }

    /// <summary>Largest rotation in degrees, either way (mult already applied).</summary>
    public double MaxRotate { get; }

    /// <summary>Smallest zoom factor (below 1 zooms out).</summary>
    public double MinZoom { get; }

    /// <summary>Largest zoom factor.</summary>
    public double MaxZoom { get; }

    /// <summary>Strength of brightness and contrast changes, in [0, 1) (mult already applied).</summary>
    public double MaxLighting { get; }

    /// <summary>Largest perspective-warp magnitude in normalised coordinates (mult already applied).</summary>
    public double MaxWarp { get; }

    /// <summary>Probability of each of rotation, zoom and the two warp axes, drawn independently per image.</summary>
    public double PAffine { get; }

    /// <summary>Probability of each of brightness and contrast, drawn independently per image.</summary>
    public double PLighting { get; }

    /// <summary>How samples outside the image are filled.</summary>
    public GridSamplePaddingMode Padding { get; }

    private bool HasZoom => MinZoom < 1 || MaxZoom > 1;

    private bool HasGeometry => DoFlip || MaxRotate > 0 || HasZoom || MaxWarp > 0;

    private bool HasLighting => MaxLighting > 0;

    /// <summary>fastai's <c>aug_transforms</c> with the same parameters and defaults.</summary>
    /// <param name="mult">Multiplies <paramref name="maxRotate"/>, <paramref name="maxLighting"/> and <paramref name="maxWarp"/>.</param>
    /// <param name="doFlip">Flip half of the images.</param>
    /// <param name="flipVert">Draw flips from the dihedral group (vertical flips and transposes too).</param>
    /// <param name="maxRotate">Largest rotation in degrees; 0 turns rotation off.</param>
    /// <param name="minZoom">Smallest zoom factor.</param>
    /// <param name="maxZoom">Largest zoom factor; zoom is off when both bounds are 1.</param>
    /// <param name="maxLighting">Brightness and contrast strength; 0 turns lighting off.</param>
    /// <param name="maxWarp">Perspective-warp magnitude; 0 turns warping off.</param>
    /// <param name="pAffine">Probability of each geometric part other than the flip.</param>
    /// <param name="pLighting">Probability of each lighting part.</param>
    /// <param name="padding">How samples outside the image are filled.</param>
    /// <exception cref="ArgumentOutOfRangeException">A magnitude is negative, the zoom range is empty or not positive,
    /// a probability is outside [0, 1], or <paramref name="maxLighting"/> × <paramref name="mult"/> reaches 1.</exception>
    public static Augment Default(double mult = 1, bool doFlip = true, bool flipVert = false, double maxRotate = 10,
        double minZoom = 1, double maxZoom = 1.1, double maxLighting = 0.2, double maxWarp = 0.2,
        double pAffine = 0.75, double pLighting = 0.75, GridSamplePaddingMode padding = GridSamplePaddingMode.Reflection)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mult);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRotate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minZoom);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxZoom, minZoom);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLighting);
        // Contrast draws log(1 - maxLighting), which needs maxLighting < 1 after mult.
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(maxLighting * mult, 1, nameof(maxLighting));
        ArgumentOutOfRangeException.ThrowIfNegative(maxWarp);
        ThrowIfNotProbability(pAffine);
        ThrowIfNotProbability(pLighting);
        return new(mult, doFlip, flipVert, maxRotate * mult, minZoom, maxZoom, maxLighting * mult, maxWarp * mult,
            pAffine, pLighting, padding);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The batch is not a floating-point [N, C, H, W] tensor.</exception>
    public Tensor Apply(Tensor batch, torch.Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(generator);
        if (batch.dim() != 4 || !batch.is_floating_point())
            throw new ArgumentException($"Expected float images shaped [N, C, H, W], got {batch.dtype} [{string.Join(", ", batch.shape)}].", nameof(batch));
        using var scope = NewDisposeScope();
        return Apply(batch, Draw(batch.shape[0], generator)).MoveToOuterDisposeScope();
    }

    /// <summary>Draws the per-image parameters for <paramref name="count"/> images; parts that are off stay neutral.</summary>
    internal AugmentParameters Draw(long count, torch.Generator generator)
    {
        var drawn = AugmentParameters.Neutral(count);
        if (DoFlip)
        {
            var flipped = Bernoulli(count, FlipProbability, generator);
            // Dihedral element 0 is the identity and 1 the horizontal flip; fastai's Dihedral may also draw 0.
            var element = FlipVert ? randint(0, DihedralXs.Length, [count], ScalarType.Int64, generator: generator) : ones(count, ScalarType.Int64);
            drawn = drawn with { Dihedral = element.mul_(flipped) };
        }
        if (MaxRotate > 0)
            drawn = drawn with { RotateDegrees = Masked(Uniform(count, -MaxRotate, MaxRotate, generator), PAffine, 0, generator) };
        if (HasZoom)
            drawn = drawn with
            {
                Zoom = Masked(Uniform(count, MinZoom, MaxZoom, generator), PAffine, 1, generator),
                ZoomColumn = rand(count, generator: generator),
                ZoomRow = rand(count, generator: generator),
            };
        if (MaxWarp > 0)
            drawn = drawn with
            {
                WarpX = Masked(Uniform(count, -MaxWarp, MaxWarp, generator), PAffine, 0, generator),
                WarpY = Masked(Uniform(count, -MaxWarp, MaxWarp, generator), PAffine, 0, generator),
            };
        if (HasLighting)
        {
            double logContrast = Math.Log(1 - MaxLighting);
            drawn = drawn with
            {
                Brightness = Masked(Uniform(count, 0.5 * (1 - MaxLighting), 0.5 * (1 + MaxLighting), generator), PLighting, 0.5, generator),
                Contrast = Masked(Uniform(count, logContrast, -logContrast, generator).exp_(), PLighting, 1, generator),
            };
        }
        return drawn;
    }

    /// <summary>Applies the parts this instance has switched on, with the given parameters.</summary>
    internal Tensor Apply(Tensor batch, AugmentParameters parameters)
    {
        using var scope = NewDisposeScope();
        var result = HasGeometry ? Resample(batch, parameters) : batch.clone();
        if (HasLighting)
            result = Light(result, parameters);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The per-image affine matrices [N, 2, 3] (flip · rotate · zoom, as fastai composes them) that map output
    /// coordinates to sampling coordinates, both normalised to [-1, 1], for images of the given size.
    /// </summary>
    internal static Tensor Theta(AugmentParameters parameters, long height, long width)
    {
        using var scope = NewDisposeScope();
        var xs = tensor(DihedralXs).index_select(0, parameters.Dihedral);
        var ys = tensor(DihedralYs).index_select(0, parameters.Dihedral);
        var swap = tensor(DihedralSwap).index_select(0, parameters.Dihedral);
        var keep = swap.neg().add_(1);
        var zero = zeros_like(xs);
        var flip = Matrix(xs * keep, xs * swap, zero, ys * swap, ys * keep, zero);

        var radians = parameters.RotateDegrees.mul(Math.PI / 180);
        var cos = radians.cos();
        var sin = radians.sin();
        var rotate = Matrix(cos, sin, zero, sin.neg(), cos, zero);

        var scale = parameters.Zoom.reciprocal();
        var shrink = scale.neg().add_(1);
        var zoom = Matrix(scale, zero, shrink * parameters.ZoomColumn.mul(2).sub_(1),
            zero, scale, shrink * parameters.ZoomRow.mul(2).sub_(1));

        // fastai's _prepare_mat: normalised coordinates stretch non-square images, so the off-diagonal terms
        // carry the aspect ratio, keeping rotations rigid in pixels.
        float hOverW = (float)height / width;
        var aspect = tensor(new float[] { 1, hOverW, 1, 1 / hOverW, 1, 1 }).view(1, 2, 3);
        return flip.bmm(rotate).bmm(zoom).narrow(1, 0, 2).mul(aspect).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// fastai's Warp homographies [N, 3, 3], mapping output coordinates (x, y, 1) to sampling coordinates;
    /// the image corners end up where the drawn magnitudes move them.
    /// </summary>
    internal static Tensor Homographies(Tensor warpX, Tensor warpY)
    {
        using var scope = NewDisposeScope();
        long n = warpX.shape[0];
        var corners = tensor(Corners).view(1, 4, 2).expand(n, 4, 2);
        var x = warpX;
        var y = warpY;
        var moved = stack([
            stack([-1 - y, -1 - x], 1), stack([-1 + y, 1 + x], 1),
            stack([1 + y, -1 + x], 1), stack([1 - y, 1 - x], 1)], 1);

        // fastai's _find_coeffs: the 8 unknowns of H (H[2,2] = 1) with H(moved corner) = corner, two equations per corner.
        var cx = corners.select(2, 0);
        var cy = corners.select(2, 1);
        var mx = moved.select(2, 0);
        var my = moved.select(2, 1);
        var one = ones_like(mx);
        var zero = zeros_like(mx);
        var rowsX = stack([mx, my, one, zero, zero, zero, -cx * mx, -cx * my], -1);
        var rowsY = stack([zero, zero, zero, mx, my, one, -cy * mx, -cy * my], -1);
        var a = stack([rowsX, rowsY], 2).view(n, 8, 8);
        var coefficients = linalg.solve(a, corners.reshape(n, 8, 1)).view(n, 8);
        return cat([coefficients, ones(n, 1)], 1).view(n, 3, 3).MoveToOuterDisposeScope();
    }

    private Tensor Resample(Tensor batch, AugmentParameters parameters)
    {
        long n = batch.shape[0], height = batch.shape[2], width = batch.shape[3];
        var theta = Theta(parameters, height, width).to(batch.dtype, batch.device);
        var grid = nn.functional.affine_grid(theta, batch.shape, align_corners: true);
        if (MaxWarp > 0)
            grid = Warp(grid, Homographies(parameters.WarpX, parameters.WarpY).to(batch.dtype, batch.device), n);
        var resampled = nn.functional.grid_sample(batch, grid, GridSampleMode.Bilinear, Padding, align_corners: true);
        // Bilinear weights can sum to a hair over 1, which would leave [0, 1].
        return resampled.clamp_(0, 1);
    }

    private static Tensor Warp(Tensor grid, Tensor homographies, long n)
    {
        var points = grid.view(n, -1, 2);
        var mapped = cat([points, ones_like(points.narrow(2, 0, 1))], 2).bmm(homographies.transpose(1, 2));
        var depth = mapped.narrow(2, 2, 1);
        // fastai keeps the unwarped grid rather than divide by zero.
        if (depth.eq(0).any().item<bool>())
            return grid;
        return mapped.narrow(2, 0, 2).div(depth).view(grid.shape);
    }

    private static Tensor Light(Tensor batch, AugmentParameters parameters)
    {
        var brightness = parameters.Brightness.logit().view(-1, 1, 1, 1).to(batch.dtype, batch.device);
        var contrast = parameters.Contrast.view(-1, 1, 1, 1).to(batch.dtype, batch.device);
        return batch.logit(LogitEps).add_(brightness).mul_(contrast).sigmoid_();
    }

    private static Tensor Matrix(Tensor a, Tensor b, Tensor c, Tensor d, Tensor e, Tensor f)
    {
        var zero = zeros_like(a);
        return stack([a, b, c, d, e, f, zero, zero, ones_like(a)], 1).view(-1, 3, 3);
    }

    private static Tensor Uniform(long count, double low, double high, torch.Generator generator) =>
        rand(count, generator: generator).mul_(high - low).add_(low);

    private static Tensor Bernoulli(long count, double p, torch.Generator generator) =>
        rand(count, generator: generator).lt(p);

    // fastai's _draw_mask: each value is kept with probability p, otherwise replaced by the neutral value.
    private static Tensor Masked(Tensor values, double p, double neutral, torch.Generator generator) =>
        values.masked_fill(Bernoulli(values.shape[0], p, generator).logical_not(), neutral);

    private static void ThrowIfNotProbability(double p, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(p))] string? name = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(name, p, "A probability must lie in [0, 1].");
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        string flip = !DoFlip ? "off" : FlipVert ? "dihedral p=0.5" : "horizontal p=0.5";
        string rotate = MaxRotate > 0 ? string.Format(c, "±{0:0.###}° p={1:0.###}", MaxRotate, PAffine) : "off";
        string zoom = HasZoom ? string.Format(c, "{0:0.###}–{1:0.###} p={2:0.###}", MinZoom, MaxZoom, PAffine) : "off";
        string warp = MaxWarp > 0 ? string.Format(c, "{0:0.###} p={1:0.###}", MaxWarp, PAffine) : "off";
        string lighting = HasLighting ? string.Format(c, "{0:0.###} p={1:0.###}", MaxLighting, PLighting) : "off";
        return string.Format(c, "Augment(mult {0:0.###}; flip {1}; rotate {2}; zoom {3}; warp {4}; lighting {5}; padding {6})",
            Mult, flip, rotate, zoom, warp, lighting, Padding);
    }
}
