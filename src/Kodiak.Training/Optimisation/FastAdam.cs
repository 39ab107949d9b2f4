using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Optimisation;

/// <summary>
/// fastai's <c>Adam</c> optimiser, written by hand so that the schedule can drive beta1 (momentum) and
/// each group's learning rate step by step: decoupled weight decay <c>p -= lr * wd * p</c> (not for
/// <see cref="ParamGroup.NoDecay"/>), then <c>avg = beta1 * avg + (1 - beta1) * g</c>,
/// <c>sqr = beta2 * sqr + (1 - beta2) * g²</c> and
/// <c>p -= lr / (1 - beta1^t) * avg / (sqrt(sqr / (1 - beta2^t)) + eps)</c>, with <c>t</c> counted per
/// parameter. Parameters that do not require grad or have no grad (frozen) are skipped.
/// </summary>
public sealed class FastAdam : IOptimizer
{
    private sealed class State(Tensor gradAvg, Tensor sqrAvg)
    {
        public Tensor GradAvg { get; } = gradAvg;
        public Tensor SqrAvg { get; } = sqrAvg;
        public int Step { get; set; }
    }

    readonly IReadOnlyList<ParamGroup> _groups;
    readonly double[] _lrs;
    readonly Dictionary<Parameter, State> _states = new(ReferenceEqualityComparer.Instance);
    double _beta1;
    double _beta2;
    bool _disposed;

    /// <summary>Creates the optimiser; moment buffers are allocated at a parameter's first step.</summary>
    /// <param name="groups">The parameter groups, e.g. body then head.</param>
    /// <param name="lr">Initial learning rate of every group.</param>
    /// <param name="beta1">Momentum of the gradient average, in [0, 1).</param>
    /// <param name="beta2">Momentum of the squared-gradient average, in [0, 1).</param>
    /// <param name="eps">Added to the denominator for numerical stability.</param>
    /// <param name="weightDecay">Decoupled weight decay for <see cref="ParamGroup.Decay"/> parameters.</param>
    public FastAdam(IReadOnlyList<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.99,
        double eps = 1e-5, double weightDecay = 0.01)
    {
        ArgumentOutOfRangeException.ThrowIfZero(groups.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(lr);
        ArgumentOutOfRangeException.ThrowIfNegative(eps);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        _groups = groups;
        _lrs = Enumerable.Repeat(lr, groups.Count).ToArray();
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParamGroup> Groups => _groups;

    /// <summary>Each group's current learning rate.</summary>
    public IReadOnlyList<double> Lrs => _lrs;

    /// <summary>Momentum of the gradient average, shared by all groups; the one-cycle schedule sets it each step.</summary>
    public double Beta1
    {
        get => _beta1;
        set => _beta1 = CheckBeta(value);
    }

    /// <summary>The momentum is <see cref="Beta1"/>.</summary>
    public double Momentum
    {
        get => Beta1;
        set => Beta1 = value;
    }

    /// <summary>Momentum of the squared-gradient average.</summary>
    public double Beta2
    {
        get => _beta2;
        set => _beta2 = CheckBeta(value);
    }

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; }

    /// <summary>Decoupled weight decay for <see cref="ParamGroup.Decay"/> parameters.</summary>
    public double WeightDecay { get; }

    /// <summary>Sets one group's learning rate.</summary>
    /// <param name="group">Index into <see cref="Groups"/>.</param>
    /// <param name="lr">The learning rate; not negative.</param>
    public void SetLr(int group, double lr)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lr);
        _lrs[group] = lr;
    }

    /// <summary>Updates every parameter that has a gradient, in place.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int g = 0; g < _groups.Count; g++)
        {
            foreach (var p in _groups[g].Decay) Update(p, _lrs[g], WeightDecay);
            foreach (var p in _groups[g].NoDecay) Update(p, _lrs[g], 0);
        }
    }

    /// <summary>Zeroes the gradients of all parameters in place, as fastai's <c>zero_grad</c> does.</summary>
    public void ZeroGrad()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var p in AllParameters())
            p.grad?.zero_();
    }

    /// <summary>Frees the moment buffers.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        ClearState();
        _disposed = true;
    }

    /// <summary>Every parameter's step count and moments (buffers: gradient average, squared-gradient average), in group order (null before its first step).</summary>
    public IReadOnlyList<ParameterState?> SaveState() =>
        [.. AllParameters().Select(p => _states.TryGetValue(p, out var s)
            ? new ParameterState(s.Step, [s.GradAvg.data<float>().ToArray(), s.SqrAvg.data<float>().ToArray()])
            : null)];

    /// <summary>Replaces every parameter's moments with those of <see cref="SaveState"/>.</summary>
    /// <param name="saved">One entry per parameter, in group order.</param>
    public void LoadState(IReadOnlyList<ParameterState?> saved)
    {
        var parameters = AllParameters().ToList();
        if (saved.Count != parameters.Count)
            throw new InvalidDataException($"The saved optimiser state has {saved.Count} parameters; this model has {parameters.Count}.");
        for (int i = 0; i < saved.Count; i++)
            if (saved[i] is { } m && (m.Buffers.Count != 2 || m.Buffers.Any(b => b.Length != parameters[i].numel())))
                throw new InvalidDataException($"The saved optimiser state of parameter {i} does not fit its shape [{string.Join(", ", parameters[i].shape)}].");
        ClearState();
        using var scope = NewDisposeScope();
        for (int i = 0; i < saved.Count; i++)
            if (saved[i] is { } m)
            {
                var shape = parameters[i].shape;
                _states.Add(parameters[i], new State(tensor(m.Buffers[0]).reshape(shape).DetachFromDisposeScope(), tensor(m.Buffers[1]).reshape(shape).DetachFromDisposeScope())
                {
                    Step = m.Step,
                });
            }
    }

    private IEnumerable<Parameter> AllParameters() => _groups.SelectMany(g => g.Decay.Concat(g.NoDecay));

    /// <summary>Forgets every parameter's moments and step count (fastai's <c>clear_state</c>).</summary>
    public void ClearState()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var s in _states.Values)
        {
            s.GradAvg.Dispose();
            s.SqrAvg.Dispose();
        }
        _states.Clear();
    }

    private static double CheckBeta(double beta) =>
        beta is >= 0 and < 1 ? beta : throw new ArgumentOutOfRangeException(nameof(beta), beta, "A beta must be at least 0 and below 1.");

    private void Update(Parameter p, double lr, double wd)
    {
        if (!p.requires_grad || p.grad is not { } grad) return;
        if (!_states.TryGetValue(p, out var s))
        {
            // The buffers outlive this step's dispose scope; Dispose() frees them.
            s = new State(zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
            _states.Add(p, s);
        }
        s.Step++;
        if (wd != 0) p.mul_(1 - lr * wd);
        s.GradAvg.mul_(_beta1).add_(grad, 1 - _beta1);
        s.SqrAvg.mul_(_beta2).addcmul_(grad, grad, 1 - _beta2);
        // fastai debiases with the current _beta1 even though the schedule changed it along the way.
        double debias1 = 1 - Math.Pow(_beta1, s.Step);
        double debias2 = 1 - Math.Pow(_beta2, s.Step);
        p.addcdiv_(s.GradAvg, s.SqrAvg.div(debias2).sqrt_().add_(Eps), -lr / debias1);
    }
}
