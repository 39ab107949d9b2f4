using Kodiak.Training.Models;
using Onnx;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Kodiak.Training.Tests.Models;

/// <summary>Loads the 63 MB model once for the whole class.</summary>
public sealed class PretrainedResNet18Fixture : IDisposable
{
    public static string OnnxPath { get; } =
        Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    public PretrainedResNet18Fixture()
    {
        Body = ResNet18Body.LoadPretrained();
        Body.eval();
    }

    public ResNet18Body Body { get; }

    public void Dispose() => Body.Dispose();
}

public sealed class ResNet18BodyTests(PretrainedResNet18Fixture fixture, ITestOutputHelper output)
    : IClassFixture<PretrainedResNet18Fixture>
{
    /// <summary>Smooth, image-like RGB in [0, 1]: upsampled coarse noise, a gradient and fine grain.</summary>
    internal static Tensor ImageLikeRgb(int count, int size, long seed)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        var coarse = rand([count, 3, 8, 8], generator: g);
        var smooth = nn.functional.interpolate(coarse, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        var ramp = linspace(-0.2, 0.2, size).view(1, 1, 1, size);
        var grain = rand([count, 3, size, size], generator: g).sub_(0.5).mul_(0.1);
        return smooth.add(ramp).add_(grain).clamp_(0, 1).MoveToOuterDisposeScope();
    }

    [Fact]
    public void Pooled_features_match_onnx_runtime_at_224()
    {
        using var scope = NewDisposeScope();
        const int images = 4;
        var rgb = ImageLikeRgb(images, 224, seed: 1234);

        var check = PretrainedBodyCheck.Run(fixture.Body, rgb, PretrainedResNet18Fixture.OnnxPath);

        Assert.Equal(512, check.Features);
        Assert.Equal(images, check.Images.Count);
        for (var i = 0; i < images; i++)
        {
            var (maxDiff, maxAbs) = check.Images[i];
            output.WriteLine($"image {i}: max |feature| {maxAbs:G6}, max |diff| {maxDiff:G4}, ratio {maxDiff / maxAbs:G4}");
            Assert.True(maxDiff <= 1e-3 * maxAbs, $"image {i}: max diff {maxDiff} exceeds 1e-3 × {maxAbs}");
            // Features of different images must differ, or the comparison would prove little.
            Assert.True(maxAbs > 0.1f);
        }
        Assert.True(check.Matches);
        output.WriteLine($"worst ratio {check.Images.Max(d => d.MaxDifference / d.Largest):G4}");
    }

    [Fact]
    public void A_body_with_other_weights_does_not_match_the_original()
    {
        using var scope = NewDisposeScope();
        using var other = new ResNet18Body();
        var rgb = ImageLikeRgb(2, 224, seed: 99);

        var check = PretrainedBodyCheck.Run(other, rgb, PretrainedResNet18Fixture.OnnxPath);

        Assert.False(check.Matches);
        Assert.True(check.MaxDifference > PretrainedBodyCheck.Tolerance * check.Largest);
    }

    [Theory]
    [InlineData(75, 50, 3, 2)]
    [InlineData(48, 48, 2, 2)]
    [InlineData(97, 130, 4, 5)]
    public void Inputs_that_are_no_multiple_of_32_give_ceil_halved_feature_maps(int width, int height, int featureWidth, int featureHeight)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        fixture.Body.eval();

        var features = fixture.Body.forward(torch.rand(1, 3, height, width));

        Assert.Equal([1L, 512, featureHeight, featureWidth], features.shape);
    }

    [Fact]
    public void Loader_takes_padding_strides_and_epsilon_from_the_graph()
    {
        var body = fixture.Body;
        Assert.Equal(new Padding2d(3, 3, 2, 2), body.Conv1.Pads);
        Assert.Equal(2, body.Conv1.Stride);
        // The file's explicit pads are the "same" rule the strided layers apply at every size, at its 224 px.
        Assert.Equal(body.Conv1.Pads, body.Conv1.PadsFor(224, 224));
        Assert.Equal(body.Stages[1][0].Conv1.Pads, body.Stages[1][0].Conv1.PadsFor(56, 56));
        Assert.Equal(3, body.MaxPoolKernelSize);
        Assert.Equal(2, body.MaxPoolStride);
        Assert.Equal([2, 2, 2, 3], body.Stages.Select(s => s.Count));
        for (var s = 0; s < 4; s++)
        {
            var first = body.Stages[s][0];
            Assert.Equal(s == 0 ? Padding2d.Uniform(1) : new Padding2d(1, 1, 0, 0), first.Conv1.Pads);
            Assert.Equal(s == 0 ? 1 : 2, first.Conv1.Stride);
            Assert.Equal(s == 0, first.DownsampleConv is null);
            if (first.DownsampleConv is { } ds)
            {
                Assert.Equal(default, ds.Pads);
                Assert.Equal(2, ds.Stride);
                Assert.Equal(1, ds.KernelSize);
            }
            foreach (var block in body.Stages[s].Skip(1))
            {
                Assert.Null(block.DownsampleConv);
                Assert.Equal(Padding2d.Uniform(1), block.Conv1.Pads);
            }
            Assert.All(body.Stages[s], b => Assert.Equal(Padding2d.Uniform(1), b.Conv2.Pads));
            Assert.All(body.Stages[s], b => Assert.Equal(1e-5, b.Bn2.eps, 1e-9));
        }
    }

    [Fact]
    public void State_dict_uses_torchvision_names()
    {
        using var body = new ResNet18Body();
        var keys = body.state_dict().Keys.ToHashSet();
        foreach (var key in new[]
                 {
                     "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                     "layer1.0.conv1.weight", "layer1.1.bn2.running_var", "layer2.0.downsample.0.weight",
                     "layer2.0.downsample.1.running_mean", "layer4.2.conv2.weight", "layer4.2.bn2.bias",
                 })
            Assert.Contains(key, keys);
        Assert.Equal(22, keys.Count(k => k.EndsWith(".weight", StringComparison.Ordinal) && body.state_dict()[k].dim() == 4));
        Assert.DoesNotContain(keys, k => k.StartsWith("fc", StringComparison.Ordinal));
        var parameters = body.parameters().Sum(p => p.numel());
        output.WriteLine($"{keys.Count} state-dict entries, {parameters:N0} parameters");
    }

    [Fact]
    public void Runs_at_128_pixels()
    {
        using var scope = NewDisposeScope();
        var input = CntkImageNetInput.Apply(ImageLikeRgb(2, 128, seed: 7));
        using (no_grad())
        {
            var map = fixture.Body.forward(input);
            Assert.Equal([2L, 512, 4, 4], map.shape);
            var pooled = fixture.Body.PooledFeatures(input);
            Assert.Equal([2L, 512], pooled.shape);
            Assert.True(pooled.isfinite().all().item<bool>());
            Assert.True(pooled.abs().max().item<float>() > 0);
        }
    }

    [Fact]
    public void Training_mode_forward_and_backward_run()
    {
        using var scope = NewDisposeScope();
        using var body = new ResNet18Body();
        body.train();
        var features = body.PooledFeatures(CntkImageNetInput.Apply(ImageLikeRgb(2, 64, seed: 3)));
        features.square().mean().backward();
        Assert.NotNull(body.Conv1.Weight.grad);
        Assert.True(body.Conv1.Weight.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Input_step_turns_rgb_into_bgr_times_255_minus_mean()
    {
        using var scope = NewDisposeScope();
        // One pixel, RGB = (1.0, 0.5, 0.2).
        var rgb = tensor(new float[] { 1.0f, 0.5f, 0.2f }).view(1, 3, 1, 1);
        var result = new CntkImageNetInput().forward(rgb).flatten().data<float>().ToArray();
        Assert.Equal(0.2f * 255 - 103.06f, result[0], 3); // B
        Assert.Equal(0.5f * 255 - 115.90f, result[1], 3); // G
        Assert.Equal(1.0f * 255 - 123.15f, result[2], 3); // R
        Assert.Equal("BGR", CntkImageNetInput.ChannelOrder);
        Assert.Equal([103.06f, 115.90f, 123.15f], CntkImageNetInput.MeanBgr);
        Assert.Throws<ArgumentException>(() => CntkImageNetInput.Apply(zeros(1, 1, 2, 2)));
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kodiak-missing-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => ResNet18Body.LoadPretrained(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.FileName);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("truncated")]
    public void Corrupt_file_names_the_path(string kind)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kodiak-corrupt-{Guid.NewGuid():N}.onnx");
        try
        {
            if (kind == "text")
                File.WriteAllText(path, "this is not an ONNX model\n");
            else
            {
                using var source = File.OpenRead(PretrainedResNet18Fixture.OnnxPath);
                var head = new byte[100_000];
                source.ReadExactly(head);
                File.WriteAllBytes(path, head);
            }
            var e = Assert.Throws<InvalidDataException>(() => ResNet18Body.LoadPretrained(path));
            Assert.Contains(path, e.Message);
            output.WriteLine(e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Shape_mismatch_names_the_node()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(PretrainedResNet18Fixture.OnnxPath));
        // Pretend the second conv of layer1.0 had 32 output channels.
        var conv = model.Graph.Node.First(n => n.OpType == "Conv" && n.Input[0] != model.Graph.Input[0].Name
                                               && model.Graph.Node.Any(r => r.OpType == "Relu" && r.Output[0] == n.Input[0]));
        var weight = model.Graph.Initializer.Single(t => t.Name == conv.Input[1]);
        weight.Dims[0] = 32;
        using var body = new ResNet18Body();
        var e = Assert.Throws<InvalidDataException>(() => ResNet18OnnxLoader.Load(body, model, "edited.onnx"));
        Assert.Contains(conv.Name, e.Message);
        Assert.Contains("edited.onnx", e.Message);
        output.WriteLine(e.Message);
    }

    [Fact]
    public void Graph_with_fewer_blocks_is_rejected()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(PretrainedResNet18Fixture.OnnxPath));
        // Drop layer4.2: delete its nodes and let the pool read layer4.1's output.
        var nodes = model.Graph.Node;
        var adds = nodes.Where(n => n.OpType == "Add").ToList();
        var layer41Out = nodes.Single(n => n.OpType == "Relu" && n.Input[0] == adds[^2].Output[0]);
        var pool = nodes.Single(n => n.OpType == "AveragePool");
        var from = nodes.IndexOf(layer41Out) + 1;
        var to = nodes.IndexOf(pool);
        for (var i = to - 1; i >= from; i--)
            nodes.RemoveAt(i);
        pool.Input[0] = layer41Out.Output[0];
        using var body = new ResNet18Body();
        var e = Assert.Throws<InvalidDataException>(() => ResNet18OnnxLoader.Load(body, model, "cut.onnx"));
        Assert.Contains("layer4.2", e.Message);
        output.WriteLine(e.Message);
    }
}
