using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// The convolutional body of the ImageNet ResNet18 that ML.NET ships as ONNX (exported from CNTK):
/// torchvision's <c>resnet18</c> without <c>fc</c>, except that the last stage has three blocks and
/// stride-2 layers pad only at the top and left.
/// </summary>
/// <remarks>
/// Submodule names follow torchvision (<c>conv1</c>, <c>bn1</c>, <c>layer1</c>…<c>layer4</c>, blocks
/// <c>0</c>, <c>1</c>, …), so state-dict keys read like <c>layer2.0.downsample.0.weight</c>.
/// Inputs must follow <see cref="CntkImageNetInput"/> (BGR, 0–255, mean-subtracted).
/// </remarks>
public sealed class ResNet18Body : nn.Module<Tensor, Tensor>
{
    /// <summary>Channels of the final feature map.</summary>
    public const int FeatureChannels = 512;

    /// <summary>Input height and width the network was trained and exported at.</summary>
    public const int NativeInputSize = 224;

    /// <summary>Blocks per stage; the CNTK export has a third block in the last stage.</summary>
    public static IReadOnlyList<int> BlocksPerStage { get; } = [2, 2, 2, 3];

    /// <summary>Output channels per stage.</summary>
    public static IReadOnlyList<int> StageChannels { get; } = [64, 128, 256, 512];

    /// <summary>Relative path of the pretrained model inside the build output.</summary>
    internal static readonly string DefaultOnnxRelativePath = Path.Combine("DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>
    /// The pretrained ImageNet model (an ONNX export from CNTK) that the NuGet package
    /// Microsoft.ML.DnnImageFeaturizer.ResNet18 puts beside the application.
    /// </summary>
    public static string DefaultOnnxPath => Path.Combine(AppContext.BaseDirectory, DefaultOnnxRelativePath);

    // CNTK's "same" padding for even inputs: the extra row/column of a stride-2 window goes top/left.
    private static readonly Padding2d StemPads = new(3, 3, 2, 2);
    private static readonly Padding2d StridedPads = new(1, 1, 0, 0);
    private const double BatchNormEps = 1e-5;

    // Field names are the torchvision state-dict keys.
    private readonly PaddedConv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ModuleList<ResNetBasicBlock> layer1;
    private readonly ModuleList<ResNetBasicBlock> layer2;
    private readonly ModuleList<ResNetBasicBlock> layer3;
    private readonly ModuleList<ResNetBasicBlock> layer4;

    /// <summary>
    /// Creates a randomly initialised body (torchvision's initialisation). Use
    /// <see cref="LoadPretrained"/> for the ImageNet weights.
    /// </summary>
    public ResNet18Body() : base(nameof(ResNet18Body))
    {
        conv1 = new PaddedConv2d("conv1", 3, 64, 7, 2, StemPads);
        bn1 = nn.BatchNorm2d(64, BatchNormEps);
        var stages = new ModuleList<ResNetBasicBlock>[4];
        long inChannels = 64;
        for (var s = 0; s < stages.Length; s++)
        {
            stages[s] = new ModuleList<ResNetBasicBlock>();
            for (var b = 0; b < BlocksPerStage[s]; b++)
            {
                // The first block of every stage but the first halves the resolution.
                var stride = s > 0 && b == 0 ? 2 : 1;
                stages[s].Add(new ResNetBasicBlock(b.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    inChannels, StageChannels[s], stride, StridedPads, BatchNormEps));
                inChannels = StageChannels[s];
            }
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        RegisterComponents();
    }

    /// <summary>Stem 7×7 stride-2 convolution.</summary>
    internal PaddedConv2d Conv1 => conv1;

    /// <summary>Batch norm after the stem convolution.</summary>
    internal BatchNorm2d Bn1 => bn1;

    /// <summary>The four stages in order (<c>layer1</c>…<c>layer4</c>), each a list of blocks.</summary>
    internal IReadOnlyList<IReadOnlyList<ResNetBasicBlock>> Stages => [[.. layer1], [.. layer2], [.. layer3], [.. layer4]];

    /// <summary>Max-pool window after the stem (3).</summary>
    public long MaxPoolKernelSize { get; internal set; } = 3;

    /// <summary>Max-pool stride (2).</summary>
    public long MaxPoolStride { get; internal set; } = 2;

    /// <summary>
    /// Creates the body and loads the pretrained ImageNet weights from ML.NET's <c>ResNet18.onnx</c>,
    /// mapping them by walking the ONNX graph. The module is returned in training mode, like any new
    /// module; call <c>eval()</c> for inference.
    /// </summary>
    /// <param name="onnxPath">
    /// The ONNX file; by default <c>DnnImageModels/ResNet18Onnx/ResNet18.onnx</c> beside the application.
    /// </param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a readable ONNX model or its graph does not match this architecture.
    /// </exception>
    public static ResNet18Body LoadPretrained(string? onnxPath = null)
    {
        onnxPath ??= DefaultOnnxPath;
        var body = new ResNet18Body();
        try
        {
            ResNet18OnnxLoader.Load(body, onnxPath);
            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The final feature map, [N, 512, H/32, W/32] (7×7 at 224×224).</summary>
    /// <param name="input">[N, 3, H, W] in the <see cref="CntkImageNetInput"/> convention.</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(bn1.forward(conv1.forward(input)));
        // −∞ padding reproduces ONNX MaxPool, whose pads never contribute to the maximum.
        // Like the strided convolutions, the pool keeps the exporter's "same" rule at any input size.
        var pads = Padding2d.SameLower(x.shape[2], x.shape[3], MaxPoolKernelSize, MaxPoolStride);
        x = nn.functional.pad(x, pads.ToTorchPad(), PaddingModes.Constant, double.NegativeInfinity);
        x = nn.functional.max_pool2d(x, [MaxPoolKernelSize, MaxPoolKernelSize], [MaxPoolStride, MaxPoolStride]);
        foreach (var stage in new[] { layer1, layer2, layer3, layer4 })
            foreach (var block in stage)
                x = block.forward(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Globally average-pooled features, [N, 512], for any input size. At 224×224 this equals the
    /// ONNX model's output (its 7×7 average pool), flattened.
    /// </summary>
    /// <param name="input">[N, 3, H, W] in the <see cref="CntkImageNetInput"/> convention.</param>
    public Tensor PooledFeatures(Tensor input)
    {
        using var scope = NewDisposeScope();
        return nn.functional.adaptive_avg_pool2d(forward(input), [1, 1]).flatten(1).MoveToOuterDisposeScope();
    }
}
