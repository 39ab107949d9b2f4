using Kodiak.Training.Learn;
namespace Kodiak.Training.Optimisation;

/// <summary>fastai's <c>ParamScheduler</c> for one-cycle: sets each group's learning rate and the momentum before every training batch.</summary>
/// <param name="schedule">The cycle.</param>
/// <param name="peaks">Peak learning rate of each parameter group.</param>
internal sealed class OneCycleScheduler(OneCycleSchedule schedule, double[] peaks) : ILearnerCallback
{
    public void BeforeBatch(TrainingState state)
    {
        var optimizer = state.Learner.Optimizer;
        for (int g = 0; g < peaks.Length; g++)
            optimizer.SetLr(g, schedule.Lr(peaks[g], state.Iteration));
        optimizer.Momentum = schedule.Momentum(state.Iteration);
    }
}
