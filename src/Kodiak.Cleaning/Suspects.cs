using System.Numerics;
using Kodiak.Inference;
using Kodiak.Vision;

namespace Kodiak.Cleaning;

/// <summary>
/// Every image of a data folder scored once by a trained model, and the images worth a person's look, in order of
/// suspicion: highest loss (as fastai's ImageClassifierCleaner), likely mislabelled, near-duplicates and outliers.
/// </summary>
/// <example><code>
/// using var predictor = Predictor.Load("model.kodiak");
/// var suspects = Suspects.Find(predictor, "bears");
/// foreach (var pair in suspects.Duplicates().Where(p => p.AcrossSplits)) Console.WriteLine(pair);
/// </code></example>
public sealed class Suspects
{
    /// <summary>The cosine similarity of features above which <see cref="Duplicates"/> calls two images near-duplicates.</summary>
    public const double DefaultDuplicateSimilarity = 0.95;

    readonly float[][] _features;

    Suspects(string dataFolder, IReadOnlyList<string> classes, IReadOnlyList<ScoredImage> images, float[][] features)
    {
        DataFolder = dataFolder;
        Classes = classes;
        Images = images;
        _features = features;
    }

    /// <summary>The data folder.</summary>
    public string DataFolder { get; }

    /// <summary>The model's classes.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Every image, in <see cref="ImageFiles.Get(string)"/> order.</summary>
    public IReadOnlyList<ScoredImage> Images { get; }

    /// <summary>
    /// Scores every image under <paramref name="dataFolder"/> (one folder per class, as in training) once; the split is
    /// the one the bundle records.
    /// </summary>
    /// <param name="predictor">The trained model; it must have a features output.</param>
    /// <param name="dataFolder">The data folder the model was trained on.</param>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="InvalidDataException">
    /// The model has no features output (exported before Kodiak added it), or an image is in a folder that is not
    /// one of the model's classes.
    /// </exception>
    /// <exception cref="ImageDecodeException">An image cannot be read.</exception>
    public static Suspects Find(Predictor predictor, string dataFolder)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        if (predictor.FeatureCount == 0)
            throw new InvalidDataException($"'{predictor.Path}' has no features output to compare images with; train and export the model again with this Kodiak.");
        var files = ImageFiles.Get(dataFolder);
        var classes = predictor.Classes;
        var valid = predictor.Manifest.Training.ValidItems?.ToHashSet(StringComparer.Ordinal);
        var labels = files.Select(file => Label(file, classes)).ToList();
        var results = predictor.PredictWithFeatures([.. files.Select(file => (ImageSource)file)]);
        var images = new ScoredImage[files.Count];
        var features = new float[files.Count][];
        for (int i = 0; i < files.Count; i++)
        {
            string relative = DataPaths.Relative(dataFolder, files[i]);
            var split = valid is null ? DataSplit.Unknown : valid.Contains(relative) ? DataSplit.Valid : DataSplit.Train;
            var prediction = results[i].Prediction;
            double p = prediction.Probabilities[IndexOf(classes, labels[i])];
            images[i] = new ScoredImage(files[i], relative, labels[i], split, prediction.Label, prediction.Probabilities, -Math.Log(Math.Max(p, 1e-12)));
            features[i] = Normalized(results[i].Features);
        }

        return new Suspects(dataFolder, classes, images, features);
    }

    /// <summary>fastai's top losses: the images the model finds least like their label, highest loss first.</summary>
    /// <param name="label">Only images of this class; all when null.</param>
    /// <param name="split">Only images of this split; all when null.</param>
    public IReadOnlyList<ScoredImage> Loss(string? label = null, DataSplit? split = null) =>
        [.. Images.Where(i => (label is null || i.Label == label) && (split is null || i.Split == split))
            .OrderByDescending(i => i.Loss).ThenBy(i => i.RelativePath, StringComparer.Ordinal)];

    /// <summary>
    /// Likely mislabelled images, confident-learning style: each class's threshold is the model's average probability
    /// for that class over the images labelled with it; an image is suspect when the most probable class among those
    /// whose probability reaches their threshold is not its label. Largest margin first.
    /// </summary>
    public IReadOnlyList<MislabeledImage> Mislabeled()
    {
        var thresholds = Enumerable.Range(0, Classes.Count)
            .Select(c => Images.Where(i => i.Label == Classes[c]).Select(i => (double)i.Probabilities[c]).DefaultIfEmpty(1).Average())
            .ToArray();
        var suspects = new List<MislabeledImage>();
        foreach (var image in Images)
        {
            int likely = -1;
            for (int c = 0; c < Classes.Count; c++)
                if (image.Probabilities[c] >= thresholds[c] && (likely < 0 || image.Probabilities[c] > image.Probabilities[likely]))
                    likely = c;
            if (likely >= 0 && Classes[likely] != image.Label)
                suspects.Add(new MislabeledImage(image, Classes[likely],
                    image.Probabilities[likely] - image.Probabilities[IndexOf(Classes, image.Label)]));
        }

        return [.. suspects.OrderByDescending(s => s.Margin).ThenBy(s => s.Image.RelativePath, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Pairs of images whose features have a cosine similarity of at least <paramref name="minSimilarity"/>: within a
    /// class, across classes (<see cref="DuplicatePair.AcrossClasses"/>) and across train and valid
    /// (<see cref="DuplicatePair.AcrossSplits"/>). Most similar first.
    /// </summary>
    /// <param name="minSimilarity">The similarity threshold, in [−1, 1].</param>
    public IReadOnlyList<DuplicatePair> Duplicates(double minSimilarity = DefaultDuplicateSimilarity)
    {
        var pairs = new List<DuplicatePair>[Images.Count];
        Parallel.For(0, Images.Count, i =>
        {
            pairs[i] = [];
            for (int j = i + 1; j < Images.Count; j++)
            {
                double similarity = Dot(_features[i], _features[j]);
                if (similarity >= minSimilarity)
                    pairs[i].Add(new DuplicatePair(Images[i], Images[j], Math.Min(similarity, 1)));
            }
        });
        return [.. pairs.SelectMany(p => p).OrderByDescending(p => p.Similarity)
            .ThenBy(p => p.First.RelativePath, StringComparer.Ordinal).ThenBy(p => p.Second.RelativePath, StringComparer.Ordinal)];
    }

    /// <summary>Every image with its cosine distance to the nearest class centroid of features, farthest first.</summary>
    public IReadOnlyList<OutlierImage> Outliers()
    {
        var centroids = new List<(string Label, float[] Centroid)>();
        foreach (string label in Classes)
        {
            var members = Enumerable.Range(0, Images.Count).Where(i => Images[i].Label == label).ToList();
            if (members.Count == 0)
                continue;
            var sum = new float[_features[members[0]].Length];
            foreach (int i in members)
                for (int k = 0; k < sum.Length; k++)
                    sum[k] += _features[i][k];
            centroids.Add((label, Normalized(sum)));
        }

        return [.. Enumerable.Range(0, Images.Count)
            .Select(i =>
            {
                var nearest = centroids.MaxBy(c => Dot(_features[i], c.Centroid));
                return new OutlierImage(Images[i], 1 - Dot(_features[i], nearest.Centroid), nearest.Label);
            })
            .OrderByDescending(o => o.Distance).ThenBy(o => o.Image.RelativePath, StringComparer.Ordinal)];
    }

    static string Label(string file, IReadOnlyList<string> classes)
    {
        string label = Path.GetFileName(Path.GetDirectoryName(file)) ?? "";
        if (IndexOf(classes, label) < 0)
            throw new InvalidDataException($"'{file}' is in folder '{label}', which is not one of the model's classes ({string.Join(", ", classes)}).");
        return label;
    }

    static int IndexOf(IReadOnlyList<string> classes, string label)
    {
        for (int i = 0; i < classes.Count; i++)
            if (classes[i] == label)
                return i;
        return -1;
    }

    static float[] Normalized(IReadOnlyList<float> features)
    {
        double norm = Math.Sqrt(features.Sum(f => (double)f * f));
        return [.. features.Select(f => norm > 0 ? (float)(f / norm) : 0f)];
    }

    static double Dot(float[] a, float[] b)
    {
        var sum = Vector<float>.Zero;
        int k = 0;
        for (; k <= a.Length - Vector<float>.Count; k += Vector<float>.Count)
            sum += new Vector<float>(a, k) * new Vector<float>(b, k);
        float dot = Vector.Sum(sum);
        for (; k < a.Length; k++)
            dot += a[k] * b[k];
        return dot;
    }
}
