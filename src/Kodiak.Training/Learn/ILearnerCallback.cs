namespace Kodiak.Training.Learn;

/// <summary>
/// fastai's callbacks: hooks into every step of a fit, over the learner's <see cref="TrainingState"/>. A callback can
/// watch (a progress bar, the recorder) or change the training: replace <see cref="TrainingState.Loss"/> in
/// <see cref="AfterLoss"/>, set the learning rates in <see cref="BeforeBatch"/>, or throw a <see cref="CancelException"/>.
/// </summary>
/// <remarks>
/// A fit runs, for each epoch: BeforeEpoch, BeforeTrain, then per training batch BeforeBatch, (forward) AfterPred,
/// (loss) AfterLoss, (backward) AfterBackward, BeforeStep, (optimiser step) AfterStep, AfterBatch; then AfterTrain,
/// BeforeValidate, (validation) AfterValidate, AfterEpoch; all between BeforeFit and AfterFit. Batch events are for
/// training batches only: validation runs as one piece. Callbacks run in ascending <see cref="Order"/>, then in the
/// order they were added.
/// </remarks>
public interface ILearnerCallback
{
    /// <summary>When this callback runs relative to the others, lowest first (fastai's <c>order</c>; the recorder is 50).</summary>
    int Order => 0;

    /// <summary>A fit is starting: <see cref="TrainingState.Phase"/>, <see cref="TrainingState.Epochs"/> and <see cref="TrainingState.Batches"/> are set.</summary>
    /// <param name="state">The training state.</param>
    void BeforeFit(TrainingState state) { }

    /// <summary>An epoch is starting.</summary>
    /// <param name="state">The training state.</param>
    void BeforeEpoch(TrainingState state) { }

    /// <summary>The training part of an epoch is starting; the model is in training mode.</summary>
    /// <param name="state">The training state.</param>
    void BeforeTrain(TrainingState state) { }

    /// <summary>A training batch is loaded (<see cref="TrainingState.Inputs"/>, <see cref="TrainingState.Targets"/>), before the forward pass.</summary>
    /// <param name="state">The training state.</param>
    void BeforeBatch(TrainingState state) { }

    /// <summary>The forward pass is done: <see cref="TrainingState.Predictions"/> is set.</summary>
    /// <param name="state">The training state.</param>
    void AfterPred(TrainingState state) { }

    /// <summary>The loss is computed (<see cref="TrainingState.Loss"/>), before backward: replace it to change what is back-propagated.</summary>
    /// <param name="state">The training state.</param>
    void AfterLoss(TrainingState state) { }

    /// <summary>The gradients are computed, before the optimiser step.</summary>
    /// <param name="state">The training state.</param>
    void AfterBackward(TrainingState state) { }

    /// <summary>Just before the optimiser step; throw <see cref="CancelException"/> with <see cref="TrainingScope.Step"/> to skip it.</summary>
    /// <param name="state">The training state.</param>
    void BeforeStep(TrainingState state) { }

    /// <summary>The optimiser stepped.</summary>
    /// <param name="state">The training state.</param>
    void AfterStep(TrainingState state) { }

    /// <summary>A training batch is over (also when cancelled); <see cref="TrainingState.SmoothLoss"/> includes it unless it was cancelled before its loss.</summary>
    /// <param name="state">The training state.</param>
    void AfterBatch(TrainingState state) { }

    /// <summary>The training part of an epoch is over.</summary>
    /// <param name="state">The training state.</param>
    void AfterTrain(TrainingState state) { }

    /// <summary>Validation is starting; the model is in evaluation mode.</summary>
    /// <param name="state">The training state.</param>
    void BeforeValidate(TrainingState state) { }

    /// <summary>Validation is over.</summary>
    /// <param name="state">The training state.</param>
    void AfterValidate(TrainingState state) { }

    /// <summary>An epoch finished: <see cref="TrainingState.Result"/> holds its row of the table.</summary>
    /// <param name="state">The training state.</param>
    void AfterEpoch(TrainingState state) { }

    /// <summary>The fit is over, finished or cancelled (<see cref="TrainingState.FitCancelled"/>).</summary>
    /// <param name="state">The training state.</param>
    void AfterFit(TrainingState state) { }
}
