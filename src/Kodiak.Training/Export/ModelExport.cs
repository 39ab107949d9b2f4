using System.Reflection;
using System.Text.Json;
using Kodiak.Bundle;
using Kodiak.Training.Data;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Kodiak.Vision.Transforms;
using TorchSharp;

namespace Kodiak.Training.Export;

/// <summary>fastai's <c>learn.export</c>: saves a trained learner's model as a portable <c>.kodiak</c> bundle.</summary>
public static class ModelExport
{
    /// <summary>
    /// Writes <paramref name="path"/> (atomically): the model as ONNX (eval mode, input RGB in [0, 1] at the
    /// validation size), the classes, the validation item transforms and a summary of the training so far; and beside
    /// it, in <c><paramref name="path"/><see cref="ModelBundle.TrainingWeightsSuffix"/></c>, its TorchSharp weights (see
    /// <see cref="ClassifierModel.Load"/>), which serving does not need.
    /// </summary>
    /// <remarks>
    /// The bundle also gets an out-of-domain score (<see cref="OutOfDomainCalibration.EntryName"/>): fitted on the
    /// training images' features (unaugmented, as served), its threshold chosen to flag
    /// <paramref name="outOfDomainFalseAlarmRate"/> of the validation images; none without validation images.
    /// </remarks>
    /// <param name="learner">The trained learner; its model is left in eval mode.</param>
    /// <param name="path">The bundle, e.g. <c>model.kodiak</c>.</param>
    /// <param name="outOfDomainFalseAlarmRate">
    /// The share of in-domain images the out-of-domain threshold may flag (5%); null exports no out-of-domain score.
    /// </param>
    /// <exception cref="InvalidOperationException">
    /// The data has no item transform giving a fixed size.
    /// </exception>
    /// <exception cref="NotSupportedException">An item transform of a kind not registered with <see cref="TransformRecipe.Register{T}"/>.</exception>
    public static void Export(this Learner learner, string path, double? outOfDomainFalseAlarmRate = OutOfDomainCalibrator.DefaultFalseAlarmRate)
    {
        ArgumentNullException.ThrowIfNull(learner);
        var dls = learner.Dls;
        var transforms = dls.Valid.ItemTransforms;
        var (width, height) = InputSize(transforms);
        var last = learner.Recorder.Epochs.LastOrDefault();
        var metrics = new Dictionary<string, double>();
        if (last is not null)
        {
            metrics["train_loss"] = last.TrainLoss;
            metrics["valid_loss"] = last.ValidLoss;
            foreach (var (name, value) in last.Metrics)
                metrics[name] = value;
        }

        var manifest = new BundleManifest
        {
            FormatVersion = ModelBundle.FormatVersion,
            Architecture = nameof(Arch.ResNet18),
            Classes = dls.Vocab,
            Input = new ModelInput(OnnxTensors.Input, width, height, "NCHW", "RGB", [0f, 1f],
                $"{CntkImageNetInput.ChannelOrder} order, ×{CntkImageNetInput.Scale}, minus per-channel mean ({string.Join(", ", CntkImageNetInput.MeanBgr)})"),
            ItemTransforms = [.. transforms.Select(t => JsonSerializer.SerializeToElement(TransformRecipe.ToJson(t)))],
            Training = new TrainingSummary(Path.GetFullPath(dls.Train.DataPath),
                new Dictionary<string, IReadOnlyDictionary<string, int>> { ["train"] = Counts(dls.Train), ["valid"] = Counts(dls.Valid) },
                learner.Recorder.Epochs.Count, metrics, learner.Recorder.Epochs.Sum(e => e.Seconds), KodiakVersion)
            {
                ValidItems = [.. dls.Valid.Items.Select(item => Path.GetRelativePath(dls.Valid.DataPath, item.Path).Replace('\\', '/'))],
                Precision = learner.Precision.Name,
            },
        };
        learner.Model.eval();
        byte[] onnx = OnnxExport.Export(learner.Model, dls.Vocab, width, height);
        var entries = new Dictionary<string, ReadOnlyMemory<byte>>();
        if (outOfDomainFalseAlarmRate is double rate && dls.Valid.Items.Count > 0 && dls.Train.Items.Count > 1)
            entries[OutOfDomainCalibration.EntryName] = CalibrateOutOfDomain(learner.Model, dls, rate).ToJson();
        ModelBundle.Write(path, manifest, onnx, entries, writeTrainingWeights: stream => learner.Model.save(stream));
    }

    /// <summary>The default out-of-domain score, fitted on the training images and thresholded on the validation images.</summary>
    static OutOfDomainCalibration CalibrateOutOfDomain(ClassifierModel model, DataLoaders dls, double falseAlarmRate)
    {
        // The training images as served: the validation transforms, no augmentation.
        var (_, trainFeatures, trainLabels) = Outputs(model, dls.Valid.WithItems(dls.Train.Items));
        var (validLogits, validFeatures, _) = Outputs(model, dls.Valid);
        return OutOfDomainCalibrator.Calibrate(OutOfDomainCalibrator.DefaultMethod, trainFeatures, trainLabels, dls.Vocab.Count,
            validLogits, validFeatures, falseAlarmRate);
    }

    static (List<float[]> Logits, List<float[]> Features, List<int> Labels) Outputs(ClassifierModel model, DataLoader loader)
    {
        var (logits, features, labels) = (new List<float[]>(), new List<float[]>(), new List<int>());
        using var noGrad = torch.no_grad();
        foreach (var batch in loader)
        {
            using (batch)
            using (torch.NewDisposeScope())
            {
                var (l, f) = model.ForwardWithFeatures(batch.Images);
                int n = (int)l.shape[0], classes = (int)l.shape[1], count = (int)f.shape[1];
                float[] logitValues = l.contiguous().data<float>().ToArray(), featureValues = f.contiguous().data<float>().ToArray();
                for (int i = 0; i < n; i++)
                {
                    logits.Add(logitValues[(i * classes)..((i + 1) * classes)]);
                    features.Add(featureValues[(i * count)..((i + 1) * count)]);
                }

                labels.AddRange(batch.Labels.data<long>().ToArray().Select(label => (int)label));
            }
        }

        return (logits, features, labels);
    }

    static string KodiakVersion =>
        typeof(ModelExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    static Dictionary<string, int> Counts(DataLoader loader)
    {
        var counts = loader.Vocab.ToDictionary(c => c, _ => 0, StringComparer.Ordinal);
        foreach (var item in loader.Items)
            counts[loader.Vocab[item.Label]]++;
        return counts;
    }

    /// <summary>The size every validation image comes out at.</summary>
    static (int Width, int Height) InputSize(IReadOnlyList<IItemTransform> transforms)
    {
        if (transforms.Count == 0)
            throw new InvalidOperationException("The model needs one input size to be exported: add an item transform such as new Resize(224).");
        return ItemPipeline.OutputSize(transforms)
            ?? throw new InvalidOperationException($"The item transforms ({string.Join(", ", transforms)}) do not give one input size; end them with a Resize.");
    }
}
