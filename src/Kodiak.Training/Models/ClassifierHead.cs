using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// fastai's <c>create_head</c> for a body with <c>features</c> channels: AdaptiveConcatPool2d (max and
/// average → 2·features), Flatten, BatchNorm1d, Dropout(0.25), Linear(→512, no bias), ReLU,
/// BatchNorm1d(512), Dropout(0.5), Linear(512→classes, no bias); Linear weights Kaiming-normal. Its random draws
/// (initialisation, dropout masks) come from the generator it is given (<see cref="Random"/>).
/// </summary>
public sealed class ClassifierHead : nn.Module<Tensor, Tensor>
{
    const int Hidden = 512;
    readonly BatchNorm1d bn1;
    readonly GeneratorDropout drop1;
    readonly Linear lin1;
    readonly BatchNorm1d bn2;
    readonly GeneratorDropout drop2;
    readonly Linear lin2;

    /// <summary>Creates a head for <paramref name="features"/> body channels and <paramref name="classes"/> outputs.</summary>
    /// <param name="features">Channels of the body's feature map (512 for ResNet18).</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="random">Generator of the initial weights and dropout masks; null draws from libtorch's global generator.</param>
    public ClassifierHead(int features, int classes, Generator? random = null) : base(nameof(ClassifierHead))
    {
        bn1 = nn.BatchNorm1d(2 * features);
        drop1 = new GeneratorDropout(0.25);
        lin1 = nn.Linear(2 * features, Hidden, hasBias: false);
        bn2 = nn.BatchNorm1d(Hidden);
        drop2 = new GeneratorDropout(0.5);
        lin2 = nn.Linear(Hidden, classes, hasBias: false);
        RegisterComponents();
        Random = random;
        using (no_grad())
        {
            KaimingNormal(lin1.weight, random);
            KaimingNormal(lin2.weight, random);
            // fastai's BatchNorm layers start with a small positive bias.
            bn1.bias!.fill_(1e-3);
            bn2.bias!.fill_(1e-3);
        }
    }

    /// <summary>Where the dropout masks are drawn from (null: libtorch's global generator); a learner sets its own.</summary>
    public Generator? Random
    {
        get => drop1.Generator;
        set => (drop1.Generator, drop2.Generator) = (value, value);
    }

    // nn.init.kaiming_normal_'s defaults (fan in, gain √2), drawn from the given generator, which nn.init cannot take.
    static void KaimingNormal(Tensor weight, Generator? random) => weight.normal_(0, Math.Sqrt(2.0 / weight.shape[1]), random);

    /// <summary>Batch norm of the pooled features, before <see cref="Lin1"/>.</summary>
    internal BatchNorm1d Bn1 => bn1;

    /// <summary>Features → hidden layer.</summary>
    internal Linear Lin1 => lin1;

    /// <summary>Batch norm of the hidden layer (after its ReLU), before <see cref="Lin2"/>.</summary>
    internal BatchNorm1d Bn2 => bn2;

    /// <summary>Hidden layer → logits.</summary>
    internal Linear Lin2 => lin2;

    /// <summary>Logits [N, classes] from a feature map [N, features, h, w].</summary>
    /// <param name="features">The body's output.</param>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        // fastai's AdaptiveConcatPool2d: max first, then average.
        var x = cat([nn.functional.adaptive_max_pool2d(features, [1, 1]), nn.functional.adaptive_avg_pool2d(features, [1, 1])], 1).flatten(1);
        x = lin1.forward(drop1.forward(bn1.forward(x)));
        x = lin2.forward(drop2.forward(bn2.forward(nn.functional.relu(x))));
        return x.MoveToOuterDisposeScope();
    }
}
