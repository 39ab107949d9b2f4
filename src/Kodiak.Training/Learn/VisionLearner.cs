using Kodiak.Training.Data;
using Kodiak.Training.Models;
using Kodiak.Training.Optimisation;
using static TorchSharp.torch;
using ParamGroup = Kodiak.Training.Optimisation.ParamGroup;

namespace Kodiak.Training.Learn;

/// <summary>fastai's <c>vision_learner</c>: a pretrained body, a new head for the data's classes, and a Learner.</summary>
public static class VisionLearner
{
    /// <summary>
    /// Creates a learner for <paramref name="dls"/> on the pretrained <paramref name="arch"/>, frozen up to the head. Its
    /// random draws (the head's initial weights, dropout) come from the learner's own generator, seeded with
    /// <paramref name="seed"/>: libtorch's global generator is neither seeded nor used.
    /// </summary>
    /// <param name="dls">The data; its vocabulary sets the number of outputs.</param>
    /// <param name="arch">The pretrained architecture.</param>
    /// <param name="metrics">Metrics for the table; error rate by default.</param>
    /// <param name="labelSmoothing">Label smoothing of the default loss (not with <paramref name="lossFunc"/>).</param>
    /// <param name="seed">Seed of the learner's generator.</param>
    /// <param name="lossFunc">The loss function; cross-entropy with <paramref name="labelSmoothing"/> by default.</param>
    /// <param name="optimizer">Makes the optimiser from the parameter groups; fastai's Adam (<see cref="FastAdam"/>) by default.</param>
    public static Learner Create(DataLoaders dls, Arch arch, IReadOnlyList<Metric>? metrics = null, double labelSmoothing = 0, ulong seed = 42,
        ILossFunction? lossFunc = null, Func<IReadOnlyList<ParamGroup>, IOptimizer>? optimizer = null)
    {
        if (lossFunc is not null && labelSmoothing != 0)
            throw new ArgumentException("Label smoothing is an option of the default loss; give it to your loss function instead.", nameof(labelSmoothing));
        var random = new Generator(seed);
        return new Learner(dls, new ClassifierModel(arch, dls.Vocab.Count, random), metrics, lossFunc ?? new CrossEntropyLoss(labelSmoothing), optimizer, random);
    }
}
