namespace Kodiak.Server;

/// <summary>
/// The primary and, while a trial runs, a candidate (shadow or canary), with promote, roll-back, load and drop while
/// serving. Each request takes its route once, from the state of that moment, so a change never moves a request in
/// flight. The previous primary stays loaded after a promote for a quick roll-back; a model no state needs any more is
/// unloaded once no request holds it.
/// </summary>
internal sealed partial class RolloutRouter : IModelRouter, IDisposable
{
    /// <summary>How often a model that left the state is checked for requests still holding it.</summary>
    static readonly TimeSpan RetireCheck = TimeSpan.FromMilliseconds(250);

    readonly Lock _changing = new();
    readonly HashSet<ServedModel> _loaded = [];
    readonly ServeOptions _options;
    readonly bool _withFeatures;
    readonly KodiakMetrics _metrics;
    readonly ILogger _logger;
    volatile RolloutState _state;
    bool _disposed;

    RolloutRouter(ServedModel primary, ServeOptions options, bool withFeatures, KodiakMetrics metrics, ILogger logger)
    {
        (_options, _withFeatures, _metrics, _logger) = (options, withFeatures, metrics, logger);
        _loaded.Add(primary);
        _state = new RolloutState(primary, null, null, null);
    }

    /// <summary>
    /// The primary of <paramref name="options"/> with its <see cref="ServeOptions.Shadow"/> or <see cref="ServeOptions.Canary"/>
    /// when given (a candidate can also be loaded later, <see cref="LoadAsync"/>). A candidate that cannot stand in for the
    /// primary is refused with the reason. The batchers are started by the host, as for any router.
    /// </summary>
    /// <exception cref="InvalidDataException">The candidate cannot be read, or has other classes or another input size.</exception>
    /// <exception cref="FileNotFoundException">A model file does not exist.</exception>
    public static RolloutRouter Load(ServeOptions options, bool withFeatures, KodiakMetrics metrics, ILogger<RolloutRouter> logger)
    {
        var router = new RolloutRouter(ServedModel.Load(options, withFeatures, metrics), options, withFeatures, metrics, logger);
        if ((options.Shadow ?? options.Canary) is not { } path)
            return router;
        try
        {
            var role = options.Shadow is null ? ModelRole.Canary : ModelRole.Shadow;
            var split = role == ModelRole.Canary ? CanarySplit.Of(options.CanaryPercent, options.CanarySources) : null;
            var candidate = router.Open(path, role == ModelRole.Shadow ? "--shadow" : "--canary");
            router.Add(candidate, role, split);
            return router;
        }
        catch
        {
            router.Dispose();
            throw;
        }
    }

    /// <summary>The primary first, then the candidate or, after a promote, the previous primary.</summary>
    public IReadOnlyList<ServedModel> Models => _state.Models;

    /// <summary>The state requests are routed by now.</summary>
    public RolloutState State => _state;

    public ModelRoute Route(PredictionRequest request) => _state.Route(request);

    /// <summary>Makes the candidate the primary; the previous primary stays loaded for <see cref="Rollback"/>.</summary>
    /// <exception cref="RolloutConflictException">There is no candidate (none loaded, or already promoted).</exception>
    public RolloutState Promote() => Change(state => state.Candidate is { } candidate
        ? new RolloutState(candidate.Model, null, null, state)
        : throw new RolloutConflictException($"No candidate to promote: {state.Primary.Name} ({state.Primary.Version}) is already the primary. Roll back first to try it again, or load a candidate."));

    /// <summary>Goes back to the state before the last <see cref="Promote"/>: the previous primary and its candidate.</summary>
    /// <exception cref="RolloutConflictException">Nothing has been promoted.</exception>
    public RolloutState Rollback() => Change(state => state.Previous ?? throw new RolloutConflictException(
        $"Nothing to roll back: {state.Primary.Name} ({state.Primary.Version}) has been the primary since the start or the last candidate loaded; promote a candidate first."));

    /// <summary>
    /// Loads <paramref name="path"/> as the candidate while serving. Loading a candidate after a promote ends that promote's
    /// roll-back (the previous primary is unloaded), so that at most three models are ever held.
    /// </summary>
    /// <param name="path">The bundle, on the server's disk.</param>
    /// <param name="role"><see cref="ModelRole.Shadow"/> or <see cref="ModelRole.Canary"/>.</param>
    /// <param name="split">For a canary, which requests it answers.</param>
    /// <param name="cancellation">Stops waiting for the batcher to start.</param>
    /// <exception cref="RolloutConflictException">A candidate is loaded already.</exception>
    /// <exception cref="InvalidDataException">The bundle cannot be read, or has other classes or another input size.</exception>
    /// <exception cref="FileNotFoundException">The bundle does not exist.</exception>
    public async Task<RolloutState> LoadAsync(string path, ModelRole role, CanarySplit? split, CancellationToken cancellation)
    {
        // Checked before the seconds a load takes, and again when the state changes.
        RefuseSecondCandidate(_state);
        var candidate = Open(path, "the candidate");
        try
        {
            await candidate.Batcher.StartAsync(cancellation);
            return Add(candidate, role, split);
        }
        catch
        {
            await candidate.Batcher.StopAsync(CancellationToken.None);
            candidate.Dispose();
            throw;
        }
    }

    /// <summary>Removes the candidate: the primary answers every request again, and the candidate is unloaded.</summary>
    /// <exception cref="RolloutConflictException">There is no candidate.</exception>
    public RolloutState Drop() => Change(state => state.Candidate is not null
        ? new RolloutState(state.Primary, null, null, null)
        : throw new RolloutConflictException($"No candidate to drop: {state.Primary.Name} ({state.Primary.Version}) serves alone."));

    RolloutState Add(ServedModel candidate, ModelRole role, CanarySplit? split)
    {
        if (role == ModelRole.Canary)
            ArgumentNullException.ThrowIfNull(split);
        else if (role != ModelRole.Shadow)
            throw new ArgumentOutOfRangeException(nameof(role), role, "A candidate is a shadow or a canary.");
        return Change(state =>
        {
            RefuseSecondCandidate(state);
            if (Mismatch(state.Primary, candidate) is { } mismatch)
                throw new InvalidDataException($"The candidate {candidate.Predictor.Path} cannot stand in for {state.Primary.Name}: {mismatch}.");
            return new RolloutState(state.Primary, new RoutedModel(candidate, role), split, null);
        });
    }

    /// <summary>
    /// The one place the state changes (so a store shared by replicas can hook in here): one change at a time, so a promote
    /// and a roll-back at once end in one of the states either order gives; models the new state no longer needs are retired.
    /// </summary>
    RolloutState Change(Func<RolloutState, RolloutState> next)
    {
        lock (_changing)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var before = _state;
            var after = next(before);
            _loaded.UnionWith(after.Held);
            _state = after;
            foreach (var model in before.Held.Except(after.Held))
                _ = RetireAsync(model);
            return after;
        }
    }

    /// <summary>
    /// Stops and frees a model no state routes to, once no request holds a slot in its batcher. A request routed to it just
    /// before the change takes its slot at once; a shadow's off-path prediction may ask later and is then only skipped.
    /// </summary>
    async Task RetireAsync(ServedModel model)
    {
        try
        {
            do
                await Task.Delay(RetireCheck);
            while (model.Batcher.Admitted > 0);
            lock (_changing)
            {
                if (_disposed || !_loaded.Remove(model))
                    return;
            }

            await model.Batcher.StopAsync(CancellationToken.None);
            model.Dispose();
            LogUnloaded(_logger, model.Name, model.Version);
        }
        catch (Exception e)
        {
            // Fire-and-forget: a model that fails to stop stays in memory, which only costs memory.
            LogUnloadFailed(_logger, e, model.Name, model.Version);
        }
    }

    static void RefuseSecondCandidate(RolloutState state)
    {
        if (state.Candidate is { } c)
            throw new RolloutConflictException($"A candidate is loaded already: {c.Model.Name} ({c.Model.Version}) as the {KodiakMetrics.RoleTag(c.Role)}. Promote or drop it first.");
    }

    /// <summary>Loads a bundle with the primary's limits; <paramref name="what"/> names it in the errors.</summary>
    ServedModel Open(string path, string what)
    {
        try
        {
            return ServedModel.Load(_options, _withFeatures, _metrics, path);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"The candidate ({what}) {path} does not exist: {e.Message}", path, e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The candidate ({what}) {path} is not a usable bundle: {e.Message}", e);
        }
    }

    /// <summary>Why <paramref name="candidate"/> cannot answer in place of <paramref name="primary"/>, or null when it can.</summary>
    static string? Mismatch(ServedModel primary, ServedModel candidate)
    {
        var (ours, theirs) = (primary.Predictor, candidate.Predictor);
        return !ours.Classes.SequenceEqual(theirs.Classes)
            ? $"its classes ({string.Join(", ", theirs.Classes)}) are not the primary's ({string.Join(", ", ours.Classes)}), in the same order"
            : (ours.Manifest.Input.Width, ours.Manifest.Input.Height) != (theirs.Manifest.Input.Width, theirs.Manifest.Input.Height)
                ? $"its input size {theirs.Manifest.Input.Width}×{theirs.Manifest.Input.Height} is not the primary's {ours.Manifest.Input.Width}×{ours.Manifest.Input.Height}"
                : null;
    }

    public void Dispose()
    {
        lock (_changing)
        {
            _disposed = true;
            foreach (var model in _loaded)
                model.Dispose();
            _loaded.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloaded {Model} ({Version}): no rollout state routes to it any more")]
    static partial void LogUnloaded(ILogger logger, string model, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Model} ({Version}) could not be unloaded")]
    static partial void LogUnloadFailed(ILogger logger, Exception error, string model, string version);
}

/// <summary>Who serves: the primary, the candidate (if any) and, after a promote, the state to roll back to.</summary>
/// <param name="Primary">The model that answers (but a canary's share).</param>
/// <param name="Candidate">The shadow or canary, or null when none is loaded or it was promoted.</param>
/// <param name="Split">A canary's share of the requests.</param>
/// <param name="Previous">The state before the last promote, or null.</param>
internal sealed record RolloutState(ServedModel Primary, RoutedModel? Candidate, CanarySplit? Split, RolloutState? Previous)
{
    readonly ModelRoute _primary = new(new RoutedModel(Primary, ModelRole.Primary),
        Candidate is { Role: ModelRole.Shadow } shadow ? [shadow] : []);

    // The primary predicts the canary's requests off the answer path (logged as a shadow prediction), so the two can be
    // compared on the same requests: this costs the canary's share of the primary's time, not the other way round.
    readonly ModelRoute? _canary = Candidate is { Role: ModelRole.Canary } canary ? new(canary, [new RoutedModel(Primary, ModelRole.Shadow)]) : null;

    /// <summary>The primary first, then the candidate or the previous primary, when there is one.</summary>
    public IReadOnlyList<ServedModel> Models { get; } = (Candidate?.Model ?? Previous?.Primary) is { } other ? [Primary, other] : [Primary];

    /// <summary>Every model this state or a roll-back from it can route to.</summary>
    public IEnumerable<ServedModel> Held => Previous is null ? Models : Models.Concat(Previous.Held).Distinct();

    /// <summary>The route of <paramref name="request"/> in this state.</summary>
    public ModelRoute Route(PredictionRequest request) => _canary is not null && Split!.Takes(request) ? _canary : _primary;
}
