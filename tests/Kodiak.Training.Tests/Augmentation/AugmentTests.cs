using Kodiak.Training.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace Kodiak.Training.Tests.Augmentation;

public sealed class AugmentTests
{
    const int Draws = 2000;

    static Augment GeometryOff(bool doFlip = false, double maxRotate = 0, double maxZoom = 1, double maxWarp = 0,
        double maxLighting = 0, double mult = 1, double pAffine = 0.75) =>
        Augment.Default(mult: mult, doFlip: doFlip, maxRotate: maxRotate, maxZoom: maxZoom, maxWarp: maxWarp,
            maxLighting: maxLighting, pAffine: pAffine);

    static Tensor RandomBatch(long n, long h, long w, long seed = 7)
    {
        using var g = new torch.Generator((ulong)seed);
        return rand([n, 3, h, w], generator: g);
    }

    [Fact]
    public void Forced_horizontal_flip_moves_pixel_x_y_to_W_minus_1_minus_x_y_exactly()
    {
        using var scope = NewDisposeScope();
        const int h = 5, w = 7, x = 1, y = 2;
        var batch = zeros(2, 3, h, w);
        batch[TensorIndex.Colon, 0, y, x] = tensor(1f);
        var flipped = AugmentParameters.Neutral(2) with { Dihedral = ones(2, ScalarType.Int64) };

        var result = GeometryOff(doFlip: true).Apply(batch, flipped);

        Assert.Equal(1f, result[0, 0, y, w - 1 - x].item<float>(), 1e-5f);
        Assert.Equal(1f, result[1, 0, y, w - 1 - x].item<float>(), 1e-5f);
        Assert.True(result.allclose(batch.flip(3), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Identity_grid_reproduces_the_input()
    {
        using var scope = NewDisposeScope();
        var batch = RandomBatch(4, 9, 11);
        // All geometric parts on, but with neutral parameters: exercises affine_grid + warp + grid_sample.
        var augment = Augment.Default(maxLighting: 0);

        var result = augment.Apply(batch, AugmentParameters.Neutral(4));

        Assert.True(result.allclose(batch, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Everything_off_returns_the_input()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(1);
        var batch = RandomBatch(4, 9, 11);

        var result = GeometryOff().Apply(batch, g);

        Assert.Equal(batch.shape, result.shape);
        Assert.True(result.allclose(batch, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Rotation_by_90_degrees_moves_pixels_like_a_quarter_turn()
    {
        using var scope = NewDisposeScope();
        var batch = RandomBatch(1, 6, 6);
        var turned = AugmentParameters.Neutral(1) with { RotateDegrees = tensor(new[] { 90f }) };

        var result = GeometryOff(maxRotate: 10).Apply(batch, turned);

        // fastai's [[cos, sin], [-sin, cos]] samples output (x, y) from (y, -x): out[r, c] = in[W-1-c, r].
        var expected = batch.transpose(2, 3).flip(3);
        Assert.True(result.allclose(expected, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Theta_composes_flip_rotation_and_zoom_with_fastai_aspect_correction()
    {
        using var scope = NewDisposeScope();
        var p = AugmentParameters.Neutral(1) with
        {
            Dihedral = ones(1, ScalarType.Int64),
            RotateDegrees = tensor(new[] { 30f }),
            Zoom = tensor(new[] { 2f }),
            ZoomColumn = tensor(new[] { 1f }),
            ZoomRow = tensor(new[] { 0.25f }),
        };
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        // flip · rotate · zoom with zoom scale 1/2 and centre ((1-1/2)(2·1-1), (1-1/2)(2·0.25-1)) = (0.5, -0.25).
        double[,] flip = { { -1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        double[,] rotate = { { c, s, 0 }, { -s, c, 0 }, { 0, 0, 1 } };
        double[,] zoom = { { 0.5, 0, 0.5 }, { 0, 0.5, -0.25 }, { 0, 0, 1 } };
        var m = Multiply(Multiply(flip, rotate), zoom);
        const double h = 4, w = 8;
        m[0, 1] *= h / w;
        m[1, 0] *= w / h;

        var theta = Augment.Theta(p, (long)h, (long)w);

        Assert.Equal(new long[] { 1, 2, 3 }, theta.shape);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(m[i, j], theta[0, i, j].item<float>(), 1e-6);
    }

    static double[,] Multiply(double[,] a, double[,] b)
    {
        var r = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++)
                    r[i, j] += a[i, k] * b[k, j];
        return r;
    }

    [Fact]
    public void Warp_homography_moves_the_corners_where_fastai_puts_them()
    {
        using var scope = NewDisposeScope();
        const float wx = 0.1f, wy = -0.15f;
        var homography = Augment.Homographies(tensor(new[] { wx, 0f }), tensor(new[] { wy, 0f }));

        // fastai's targets (-1-y, -1-x), (-1+y, 1+x), (1+y, -1+x), (1-y, 1-x) land on the corners.
        float[][] moved = [[-1 - wy, -1 - wx], [-1 + wy, 1 + wx], [1 + wy, -1 + wx], [1 - wy, 1 - wx]];
        float[][] corners = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
        for (int i = 0; i < 4; i++)
        {
            var mapped = homography[0].matmul(tensor(new[] { moved[i][0], moved[i][1], 1f }));
            Assert.Equal(corners[i][0], (mapped[0] / mapped[2]).item<float>(), 1e-5f);
            Assert.Equal(corners[i][1], (mapped[1] / mapped[2]).item<float>(), 1e-5f);
        }
        Assert.True(homography[1].allclose(eye(3), rtol: 0, atol: 1e-6), "zero magnitude is the identity");
    }

    [Fact]
    public void About_half_the_images_are_flipped()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(11);
        var image = RandomBatch(1, 8, 8);
        var batch = image.expand(Draws, 3, 8, 8).contiguous();

        var result = GeometryOff(doFlip: true).Apply(batch, g);

        var asIs = (result - batch).abs().amax([1, 2, 3]).lt(1e-5);
        var mirrored = (result - batch.flip(3)).abs().amax([1, 2, 3]).lt(1e-5);
        Assert.True(asIs.logical_xor(mirrored).all().item<bool>(), "every image is either unchanged or mirrored");
        double fraction = mirrored.to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(fraction, 0.45, 0.55);
    }

    [Fact]
    public void Dihedral_flips_draw_all_eight_elements()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(12);

        var drawn = Augment.Default(flipVert: true).Draw(Draws, g).Dihedral;

        var counts = drawn.bincount(null, 8);
        Assert.Equal(8, counts.shape[0]);
        // Identity: the unflipped half plus 1/8 of the flipped half.
        Assert.InRange(counts[0].item<long>() / (double)Draws, 0.5 + 0.5 / 8 - 0.05, 0.5 + 0.5 / 8 + 0.05);
        Assert.True(counts.gt(0).all().item<bool>());
    }

    [Fact]
    public void Rotations_lie_within_max_rotate_times_mult_cover_the_range_and_occur_with_p_affine()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(13);
        var augment = GeometryOff(maxRotate: 10, mult: 2, pAffine: 0.6);

        var degrees = augment.Draw(Draws, g).RotateDegrees;

        Assert.Equal(20, augment.MaxRotate);
        var rotated = degrees.ne(0);
        Assert.InRange(rotated.to_type(ScalarType.Float64).mean().item<double>(), 0.55, 0.65);
        Assert.InRange(degrees.min().item<float>(), -20f, -19f);
        Assert.InRange(degrees.max().item<float>(), 19f, 20f);
        // Covers the range: every 4° bin of [-20, 20] gets some draws.
        var bins = degrees.masked_select(rotated).add(20).div(4).floor().to_type(ScalarType.Int64).bincount(null);
        Assert.True(bins.narrow(0, 0, 10).gt(0).all().item<bool>());
    }

    [Fact]
    public void Zooms_lie_within_range_and_occur_with_p_affine()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(14);

        var drawn = GeometryOff(maxZoom: 1.5).Draw(Draws, g);

        var zoomed = drawn.Zoom.ne(1);
        Assert.InRange(zoomed.to_type(ScalarType.Float64).mean().item<double>(), 0.70, 0.80);
        Assert.InRange(drawn.Zoom.min().item<float>(), 1f, 1.01f);
        Assert.InRange(drawn.Zoom.max().item<float>(), 1.49f, 1.5f);
        Assert.InRange(drawn.ZoomColumn.min().item<float>(), 0f, 0.01f);
        Assert.InRange(drawn.ZoomRow.max().item<float>(), 0.99f, 1f);
    }

    [Fact]
    public void Warps_lie_within_max_warp_times_mult_and_occur_with_p_affine_per_axis()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(15);

        var drawn = GeometryOff(maxWarp: 0.2, mult: 1.5).Draw(Draws, g);

        foreach (var warp in new[] { drawn.WarpX, drawn.WarpY })
        {
            Assert.InRange(warp.ne(0).to_type(ScalarType.Float64).mean().item<double>(), 0.70, 0.80);
            Assert.InRange(warp.abs().max().item<float>(), 0.29f, 0.3f);
        }
    }

    [Fact]
    public void Any_affine_occurs_with_p_affine_when_only_rotation_is_on()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(16);
        var image = RandomBatch(1, 8, 8);
        var batch = image.expand(Draws, 3, 8, 8).contiguous();

        var result = GeometryOff(maxRotate: 30).Apply(batch, g);

        var changed = (result - batch).abs().amax([1, 2, 3]).gt(1e-4);
        Assert.InRange(changed.to_type(ScalarType.Float64).mean().item<double>(), 0.70, 0.80);
    }

    [Fact]
    public void Lighting_moves_the_mean_within_the_expected_range_and_keeps_values_in_0_1()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(17);
        const double maxLighting = 0.2;
        var grey = full(Draws, 3, 8, 8, 0.5f);

        var result = GeometryOff(maxLighting: maxLighting).Apply(grey, g);

        // Grey has logit 0, so only brightness moves it: sigmoid(logit(b)·c), b ∈ [0.4, 0.6], c ∈ [0.8, 1.25].
        double reach = 1 / (1 + Math.Exp(-Math.Log(0.6 / 0.4) / (1 - maxLighting)));
        var means = result.mean([1, 2, 3]);
        Assert.InRange(means.min().item<float>(), 1 - reach, 0.5);
        Assert.InRange(means.max().item<float>(), 0.5, reach);
        Assert.InRange(means.sub(0.5).abs().gt(1e-6).to_type(ScalarType.Float64).mean().item<double>(), 0.70, 0.80);

        var extremes = RandomBatch(Draws, 8, 8).round();
        var lit = Augment.Default(maxLighting: 0.9).Apply(extremes, g);
        Assert.True(lit.min().item<float>() >= 0 && lit.max().item<float>() <= 1);
    }

    [Fact]
    public void Lighting_is_brightness_then_contrast_in_logit_space()
    {
        using var scope = NewDisposeScope();
        var batch = tensor(new[] { 0.1f, 0.5f, 0.8f }).view(1, 3, 1, 1);
        var p = AugmentParameters.Neutral(1) with { Brightness = tensor(new[] { 0.6f }), Contrast = tensor(new[] { 1.1f }) };

        var result = GeometryOff(maxLighting: 0.2).Apply(batch, p);

        var expected = batch.logit().add(Math.Log(0.6 / 0.4)).mul(1.1).sigmoid();
        Assert.True(result.allclose(expected, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Default_output_keeps_shape_and_stays_in_0_1()
    {
        using var scope = NewDisposeScope();
        using var g = new torch.Generator(18);
        var batch = RandomBatch(32, 16, 24);

        var result = Augment.Default(mult: 2, flipVert: true).Apply(batch, g);

        Assert.Equal(batch.shape, result.shape);
        Assert.True(result.min().item<float>() >= 0 && result.max().item<float>() <= 1);
        Assert.False(result.allclose(batch, rtol: 0, atol: 1e-3));
    }

    [Fact]
    public void Same_seed_gives_the_same_batch_and_another_seed_a_different_one()
    {
        using var scope = NewDisposeScope();
        var batch = RandomBatch(8, 16, 16);
        var augment = Augment.Default();
        Tensor Run(ulong seed)
        {
            using var g = new torch.Generator(seed);
            return augment.Apply(batch, g);
        }

        Assert.True(Run(42).eq(Run(42)).all().item<bool>());
        Assert.False(Run(42).eq(Run(43)).all().item<bool>());
    }

    [Fact]
    public void Repeated_application_in_dispose_scopes_does_not_leak_tensors()
    {
        using var outer = NewDisposeScope();
        using var g = new torch.Generator(19);
        var batch = RandomBatch(16, 64, 64);
        var augment = Augment.Default(flipVert: true);
        var stats = DisposeScopeManager.Statistics;
        long before = stats.ThreadTotalLiveCount;

        for (int i = 0; i < 200; i++)
        {
            using var scope = NewDisposeScope();
            long inScope = stats.ThreadTotalLiveCount;
            augment.Apply(batch, g);
            Assert.Equal(inScope + 1, stats.ThreadTotalLiveCount); // only the result escapes Apply
        }

        Assert.Equal(before, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void ToString_lists_the_settings()
    {
        string text = Augment.Default(mult: 2).ToString();

        Assert.Equal("Augment(mult 2; flip horizontal p=0.5; rotate ±20° p=0.75; zoom 1–1.1 p=0.75; warp 0.4 p=0.75; lighting 0.4 p=0.75; padding Reflection)", text);
        Assert.Contains("flip off", GeometryOff().ToString());
    }

    [Fact]
    public void Default_rejects_settings_fastai_cannot_draw_from()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Augment.Default(maxLighting: 0.5, mult: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Augment.Default(minZoom: 1.2, maxZoom: 1.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Augment.Default(pAffine: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Augment.Default(maxRotate: -1));
    }
}
