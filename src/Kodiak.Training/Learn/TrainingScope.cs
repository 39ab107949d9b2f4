namespace Kodiak.Training.Learn;

/// <summary>What a <see cref="CancelException"/> cancels, from the innermost.</summary>
public enum TrainingScope
{
    /// <summary>The optimiser step of this batch (thrown from AfterBackward or BeforeStep): the weights stay as they are.</summary>
    Step,

    /// <summary>The rest of this batch: no backward or step if not done yet; AfterBatch still runs.</summary>
    Batch,

    /// <summary>The rest of this epoch's training batches; AfterTrain and validation still run.</summary>
    Train,

    /// <summary>This epoch's validation; AfterValidate still runs, and the epoch's row has no validation loss or metrics.</summary>
    Validate,

    /// <summary>The rest of this epoch; AfterEpoch still runs with what the epoch has.</summary>
    Epoch,

    /// <summary>The rest of the fit; AfterFit still runs, with <see cref="TrainingState.FitCancelled"/> set.</summary>
    Fit,
}
