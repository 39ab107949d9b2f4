using System.Numerics;
using Kodiak.Inference;
using Kodiak.Vision;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;

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

    /// <summary>Images moved into Kodiak's bookkeeping (the trash), by where they are now, so that an undo brings back their scores.</summary>
    readonly IReadOnlyDictionary<string, Scored> _aside;

    Suspects(string dataFolder, IReadOnlyList<string> classes, IEnumerable<Scored> images, IReadOnlyDictionary<string, Scored> aside)
    {
        DataFolder = dataFolder;
        Classes = classes;
        // Ordinal by relative path, as ImageFiles.Get lists them: Duplicates ranks ties by this order.
        var ordered = images.OrderBy(s => s.Image.RelativePath, StringComparer.Ordinal).ToList();
        Images = [.. ordered.Select(s => s.Image)];
        _features = [.. ordered.Select(s => s.Features)];
        _aside = aside;
    }

    /// <summary>An image's scores and its normalised features.</summary>
    readonly record struct Scored(ScoredImage Image, float[] Features);

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
        return new Suspects(dataFolder, predictor.Classes, Score(predictor, dataFolder, ImageFiles.Get(dataFolder)), new Dictionary<string, Scored>());
    }

    /// <summary>
    /// The suspects after <paramref name="moves"/> (as <see cref="DataCleaner"/> journals them), without scoring again
    /// the images the model has already seen: a relabelled image keeps its prediction and split and takes its new
    /// folder as label (its loss follows), a deleted one leaves, and one that comes back from the trash returns with
    /// its scores. Only a file this set never scored (moved by something else meanwhile) goes through the model.
    /// </summary>
    /// <param name="moves">The moves, in the order they happened; paths relative to the data folder.</param>
    /// <param name="predictor">The model that scored this set, for files it has not seen.</param>
    /// <exception cref="InvalidDataException">A file moved into a folder that is not one of the model's classes.</exception>
    /// <exception cref="ImageDecodeException">A file never scored before cannot be read.</exception>
    public Suspects Moved(IEnumerable<JournalEntry> moves, Predictor predictor)
    {
        ArgumentNullException.ThrowIfNull(moves);
        ArgumentNullException.ThrowIfNull(predictor);
        var images = new Dictionary<string, Scored>(StringComparer.Ordinal);
        for (int i = 0; i < Images.Count; i++)
            images[Images[i].RelativePath] = new Scored(Images[i], _features[i]);
        var aside = new Dictionary<string, Scored>(_aside, StringComparer.Ordinal);
        var unseen = new List<string>();
        foreach (var move in moves)
        {
            if (images.Remove(move.From, out var scored) || aside.Remove(move.From, out scored))
            {
                if (ImageFiles.IsReserved(move.To))
                    aside[move.To] = scored;
                else
                    images[move.To] = Relabelled(scored, move.To);
            }
            else
            {
                unseen.Remove(move.From);
                if (!ImageFiles.IsReserved(move.To))
                    unseen.Add(move.To);
            }
        }

        foreach (var scored in Score(predictor, DataFolder, [.. unseen.Select(Full)]))
            images[scored.Image.RelativePath] = scored;
        return new Suspects(DataFolder, Classes, images.Values, aside);
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
    /// (<see cref="DuplicatePair.AcrossSplits"/>). Most similar first; ties in file order.
    /// </summary>
    /// <param name="minSimilarity">The similarity threshold, in [−1, 1].</param>
    /// <param name="top">
    /// How many of the most similar pairs to keep. Only that many are held while the pairs are compared, so memory does
    /// not grow with the folder (every pair above a low threshold in a large folder would be millions).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="top"/> is less than 1.</exception>
    public DuplicatePairs Duplicates(double minSimilarity = DefaultDuplicateSimilarity, int top = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var kept = new List<Pair>();
        long total = 0;
        var gate = new Lock();
        Parallel.For(0, Images.Count, () => (Best: new PriorityQueue<Pair, Pair>(Pair.WorstFirst), Count: 0L), (i, _, local) =>
        {
            for (int j = i + 1; j < Images.Count; j++)
            {
                double similarity = Dot(_features[i], _features[j]);
                if (similarity < minSimilarity)
                    continue;
                local.Count++;
                var pair = new Pair(i, j, Math.Min(similarity, 1));
                if (local.Best.Count < top)
                    local.Best.Enqueue(pair, pair);
                else if (Pair.Ranking.Compare(pair, local.Best.Peek()) < 0)
                    local.Best.DequeueEnqueue(pair, pair);
            }

            return local;
        }, local =>
        {
            lock (gate)
            {
                kept.AddRange(local.Best.UnorderedItems.Select(p => p.Element));
                total += local.Count;
            }
        });
        kept.Sort(Pair.Ranking);
        return new DuplicatePairs([.. kept.Take(top).Select(p => new DuplicatePair(Images[p.First], Images[p.Second], p.Similarity))], total);
    }

    /// <summary>The cosine similarity of two images' features, by their index in <see cref="Images"/>.</summary>
    internal double Similarity(int first, int second) => Dot(_features[first], _features[second]);

    /// <summary>
    /// Two images by index in <see cref="Images"/> (<see cref="First"/> &lt; <see cref="Second"/>). Images are in
    /// ordinal path order, so ranking by similarity, then indices, is ranking by similarity, then paths.
    /// </summary>
    readonly record struct Pair(int First, int Second, double Similarity)
    {
        /// <summary>Most similar first, then the first image's path, then the second's.</summary>
        public static IComparer<Pair> Ranking { get; } = Comparer<Pair>.Create((a, b) =>
            b.Similarity.CompareTo(a.Similarity) is not 0 and var bySimilarity ? bySimilarity
            : a.First != b.First ? a.First.CompareTo(b.First) : a.Second.CompareTo(b.Second));

        /// <summary>The reverse of <see cref="Ranking"/>: a min-heap with it has the pair to drop first at its root.</summary>
        public static IComparer<Pair> WorstFirst { get; } = Comparer<Pair>.Create((a, b) => Ranking.Compare(b, a));
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

    /// <summary>Scores <paramref name="files"/> (inside <paramref name="dataFolder"/>) with the model.</summary>
    static IEnumerable<Scored> Score(Predictor predictor, string dataFolder, IReadOnlyList<string> files)
    {
        var classes = predictor.Classes;
        var valid = predictor.Manifest.Training.ValidItems?.ToHashSet(StringComparer.Ordinal);
        var labels = files.Select(file => Label(file, classes)).ToList();
        var results = predictor.PredictWithFeatures([.. files.Select(file => (ImageSource)file)]);
        for (int i = 0; i < files.Count; i++)
        {
            string relative = DataPaths.Relative(dataFolder, files[i]);
            var split = valid is null ? DataSplit.Unknown : valid.Contains(relative) ? DataSplit.Valid : DataSplit.Train;
            var prediction = results[i].Prediction;
            yield return new Scored(
                new ScoredImage(files[i], relative, labels[i], split, prediction.Label, prediction.Probabilities, Loss(prediction.Probabilities, classes, labels[i])),
                Normalized(results[i].Features));
        }
    }

    /// <summary>An image moved to <paramref name="relative"/>: labelled by its new folder, its prediction and split kept.</summary>
    Scored Relabelled(Scored scored, string relative)
    {
        string path = Full(relative);
        string label = Label(path, Classes);
        return scored with
        {
            Image = scored.Image with { Path = path, RelativePath = relative, Label = label, Loss = Loss(scored.Image.Probabilities, Classes, label) },
        };
    }

    string Full(string relative) => Path.Combine(DataFolder, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Cross-entropy loss of <paramref name="label"/>: −ln p(label).</summary>
    static double Loss(IReadOnlyList<float> probabilities, IReadOnlyList<string> classes, string label) =>
        CrossEntropy.FromProbability(probabilities[IndexOf(classes, label)]);

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
