namespace Kodiak.Training.Optimisation;

/// <summary>
/// fastai's one-cycle policy (<c>fit_one_cycle</c>): over the first <c>pctStart</c> of the steps the
/// learning rate rises from <c>lrMax / div</c> to <c>lrMax</c> while momentum falls from
/// <c>moms.Item1</c> to <c>moms.Item2</c>; over the rest the learning rate falls to
/// <c>lrMax / divFinal</c> while momentum climbs back to <c>moms.Item3</c>. Both phases are cosine
/// anneals, and step <c>i</c> sits at position <c>i / totalSteps</c> as in fastai's <c>pct_train</c>.
/// </summary>
public sealed class OneCycleSchedule
{
    /// <summary>Creates the schedule for a run of <paramref name="totalSteps"/> optimiser steps.</summary>
    /// <param name="totalSteps">Number of optimiser steps (batches times epochs); at least 1.</param>
    /// <param name="pctStart">Fraction of the steps spent warming up, in [0, 1).</param>
    /// <param name="div">The learning rate starts at <c>lrMax / div</c>.</param>
    /// <param name="divFinal">The learning rate ends at <c>lrMax / divFinal</c>.</param>
    /// <param name="moms">Momentum (Adam's beta1) at the start, at the peak and at the end; default (0.95, 0.85, 0.95).</param>
    public OneCycleSchedule(int totalSteps, double pctStart = 0.25, double div = 25, double divFinal = 1e5,
        (double Start, double Middle, double End)? moms = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        // pctStart = 1 would leave the second phase zero-length and its position undefined (NaN).
        if (pctStart is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "pctStart must be at least 0 and below 1.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(div);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(divFinal);
        TotalSteps = totalSteps;
        PctStart = pctStart;
        Div = div;
        DivFinal = divFinal;
        Moms = moms ?? (0.95, 0.85, 0.95);
    }

    /// <summary>Number of optimiser steps in the run.</summary>
    public int TotalSteps { get; }

    /// <summary>Fraction of the steps spent warming up.</summary>
    public double PctStart { get; }

    /// <summary>Divisor of the starting learning rate.</summary>
    public double Div { get; }

    /// <summary>Divisor of the final learning rate.</summary>
    public double DivFinal { get; }

    /// <summary>Momentum at the start, at the peak learning rate and at the end.</summary>
    public (double Start, double Middle, double End) Moms { get; }

    /// <summary>The learning rate at <paramref name="step"/> for a group whose peak rate is <paramref name="lrMax"/>.</summary>
    /// <param name="lrMax">The group's peak learning rate.</param>
    /// <param name="step">Zero-based step, 0 to <see cref="TotalSteps"/>; <see cref="TotalSteps"/> gives the final value.</param>
    public double Lr(double lrMax, int step) => Combined(lrMax / Div, lrMax, lrMax / DivFinal, step);

    /// <summary>The momentum (Adam's beta1) at <paramref name="step"/>.</summary>
    /// <param name="step">Zero-based step, 0 to <see cref="TotalSteps"/>; <see cref="TotalSteps"/> gives the final value.</param>
    public double Momentum(int step) => Combined(Moms.Start, Moms.Middle, Moms.End, step);

    /// <summary>fastai's <c>SchedCos(start, end)(pos)</c>.</summary>
    private static double Cos(double start, double end, double pos) =>
        start + (1 + Math.Cos(Math.PI * (1 - pos))) * (end - start) / 2;

    /// <summary>fastai's <c>combined_cos</c>: a position at or past <see cref="PctStart"/> belongs to the second phase.</summary>
    private double Combined(double start, double middle, double end, int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(step, TotalSteps);
        double pos = (double)step / TotalSteps;
        return pos < PctStart
            ? Cos(start, middle, pos / PctStart)
            : Cos(middle, end, (pos - PctStart) / (1 - PctStart));
    }
}
