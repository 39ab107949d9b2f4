using System.Text;
using System.Text.Json;
using Kodiak.Bundle;
using Kodiak.Training.Optimisation;
using static TorchSharp.torch;

namespace Kodiak.Training.Learn;

public sealed partial class Learner
{
    const string CheckpointMagic = "KODIAK-CHECKPOINT";
    const int CheckpointVersion = 1;
    const int AdamBuffers = 2;

    // A diverged or validation-less run has NaN losses; they are kept, not refused.
    static readonly JsonSerializerOptions CheckpointJson = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    // Which fit of this learner's life is running (FineTune makes two) and how many of its epochs are done.
    int _fitsStarted;
    (int Fit, int EpochsDone) _position;
    (CheckpointState State, ParameterState?[] Moments)? _resumeAt;

    /// <summary>
    /// When set, a checkpoint is written to this file after every finished epoch. Setting it replaces the learner's
    /// <see cref="CheckpointCallback"/>.
    /// </summary>
    public string? CheckpointPath
    {
        get => Callbacks.OfType<CheckpointCallback>().FirstOrDefault()?.Path;
        set
        {
            RemoveCallbacks<CheckpointCallback>();
            if (value is not null) Callbacks.Add(new CheckpointCallback(value));
        }
    }

    /// <summary>
    /// Saves everything needed to continue training exactly where it is: weights, optimiser moments, the
    /// position in the schedule, the data epoch, the state of the learner's generator and the recorder. Written to a temporary file
    /// and renamed, so an interrupted save never leaves a broken checkpoint.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    public void SaveCheckpoint(string path)
    {
        using var randomState = Random.get_state();
        var state = new CheckpointState(CheckpointVersion, [.. Dls.Vocab], Dls.Train.Items.Count, Dls.Valid.Items.Count, Dls.Train.BatchSize,
            _position.Fit, _position.EpochsDone, _dataEpoch, _lossAverage, _lossCount,
            Convert.ToBase64String(randomState.bytes.ToArray()),
            [.. Recorder.Losses], [.. Recorder.SmoothLosses], [.. Recorder.LearningRates], [.. Recorder.Epochs.Select(SavedEpoch.From)]);
        AtomicFile.Write(path, file =>
        {
            using var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
            writer.Write(CheckpointMagic);
            writer.Write(CheckpointVersion);
            writer.Write(JsonSerializer.Serialize(state, CheckpointJson));
            var moments = Optimizer.SaveState();
            writer.Write(moments.Count);
            foreach (var m in moments)
            {
                writer.Write(m is not null);
                if (m is null) continue;
                // Version 1 holds two buffers (Adam's) per parameter: an optimiser with another state needs a new version.
                if (m.Buffers.Count != AdamBuffers)
                    throw new NotSupportedException($"Checkpoints hold {AdamBuffers} optimiser buffers per parameter (Adam's); this optimiser has {m.Buffers.Count}.");
                writer.Write(m.Step);
                writer.Write(m.Buffers[0].Length);
                foreach (var buffer in m.Buffers)
                    foreach (float v in buffer) writer.Write(v);
            }
            Model.save(writer);
        });
    }

    /// <summary>
    /// Loads a checkpoint of <see cref="SaveCheckpoint"/>; the next <see cref="FineTune"/> or
    /// <see cref="FitOneCycle"/> calls, made as in the run that saved it, continue after its last finished epoch
    /// and give the same result as a run that never stopped.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    public void LoadCheckpoint(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint at {path}.", path);
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (reader.ReadString() != CheckpointMagic) throw new InvalidDataException("it is not a Kodiak checkpoint");
            int version = reader.ReadInt32();
            if (version != CheckpointVersion) throw new InvalidDataException($"it has format version {version}; this Kodiak reads version {CheckpointVersion}");
            var state = JsonSerializer.Deserialize<CheckpointState>(reader.ReadString(), CheckpointJson) ?? throw new InvalidDataException("its header is empty");
            CheckSameData(state);
            var moments = new ParameterState?[reader.ReadInt32()];
            for (int i = 0; i < moments.Length; i++)
            {
                if (!reader.ReadBoolean()) continue;
                int step = reader.ReadInt32(), length = reader.ReadInt32();
                // Two arrays of that many floats must still be in the file; a damaged length must not allocate gigabytes.
                if (length < 0 || 4L * AdamBuffers * length > reader.BaseStream.Length - reader.BaseStream.Position)
                    throw new InvalidDataException($"its optimiser state claims {length} values for parameter {i}, more than the file holds");
                moments[i] = new ParameterState(step, [.. Enumerable.Range(0, AdamBuffers).Select(_ => ReadFloats(reader, length))]);
            }
            Model.load(reader);
            using (var randomState = tensor(Convert.FromBase64String(state.RandomState)))
                Random.set_state(randomState);
            Recorder.Load(state.Losses, state.SmoothLosses, state.LearningRates, [.. state.Epochs.Select(e => e.ToResult())]);
            _dataEpoch = state.DataEpoch;
            // The moments wait for the fit that resumes: FineTune's freeze and unfreeze clear the optimiser first.
            _resumeAt = (state, moments);
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"Cannot resume from {path}: {e.Message}", e);
        }
    }

    void CheckSameData(CheckpointState state)
    {
        if (!state.Vocab.SequenceEqual(Dls.Vocab))
            throw new InvalidDataException($"it was trained on classes {string.Join(", ", state.Vocab)}, the data now has {string.Join(", ", Dls.Vocab)}");
        if (state.TrainItems != Dls.Train.Items.Count || state.ValidItems != Dls.Valid.Items.Count || state.BatchSize != Dls.Train.BatchSize)
            throw new InvalidDataException(
                $"it was trained on {state.TrainItems} + {state.ValidItems} images in batches of {state.BatchSize}, the data now has {Dls.Train.Items.Count} + {Dls.Valid.Items.Count} in batches of {Dls.Train.BatchSize}");
    }

    static float[] ReadFloats(BinaryReader reader, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = reader.ReadSingle();
        return values;
    }

    /// <summary>
    /// Counts a new fit and says which epoch it starts at: 0 normally; after <see cref="LoadCheckpoint"/>, fits
    /// finished before the checkpoint are skipped (null) and the one it stopped in continues.
    /// </summary>
    int? BeginFit()
    {
        int fit = _fitsStarted++;
        _position = (fit, 0);
        if (_resumeAt is not var (at, moments)) return 0;
        if (fit < at.Fit) return null;
        _resumeAt = null;
        Optimizer.LoadState(moments);
        if (fit > at.Fit) return 0;
        (_lossAverage, _lossCount) = (at.LossAverage, at.LossCount);
        _position = (fit, at.EpochsDone);
        return at.EpochsDone;
    }

    sealed record CheckpointState(int Version, string[] Vocab, int TrainItems, int ValidItems, int BatchSize, int Fit, int EpochsDone,
        int DataEpoch, double LossAverage, int LossCount, string RandomState, double[] Losses, double[] SmoothLosses, double[] LearningRates,
        SavedEpoch[] Epochs);

    sealed record SavedEpoch(int Epoch, string Phase, double TrainLoss, double ValidLoss, string[] MetricNames, double[] MetricValues, double Seconds)
    {
        public static SavedEpoch From(EpochResult e) =>
            new(e.Epoch, e.Phase, e.TrainLoss, e.ValidLoss, [.. e.Metrics.Select(m => m.Name)], [.. e.Metrics.Select(m => m.Value)], e.Seconds);

        public EpochResult ToResult() => new(Epoch, Phase, TrainLoss, ValidLoss, [.. MetricNames.Zip(MetricValues)], Seconds);
    }
}
