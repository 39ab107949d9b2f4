namespace Kodiak.Server;

/// <summary>
/// A primary and a candidate (shadow or canary), with promote and roll-back while serving. Each request takes its
/// route once, from the state of that moment, so a swap never moves a request in flight; both models stay loaded
/// (their batchers keep running) for as long as the router lives, so the previous primary is there for a quick roll-back.
/// </summary>
internal sealed class RolloutRouter : IModelRouter, IDisposable
{
    readonly Lock _changing = new();
    readonly ServedModel[] _loaded;
    volatile RolloutState _state;

    /// <param name="primary">The model in service.</param>
    /// <param name="candidate">The model under trial.</param>
    /// <param name="role"><see cref="ModelRole.Shadow"/> or <see cref="ModelRole.Canary"/>.</param>
    /// <param name="split">For a canary, which requests it answers.</param>
    public RolloutRouter(ServedModel primary, ServedModel candidate, ModelRole role, CanarySplit? split)
    {
        if (role == ModelRole.Canary)
            ArgumentNullException.ThrowIfNull(split);
        else if (role != ModelRole.Shadow)
            throw new ArgumentOutOfRangeException(nameof(role), role, "A candidate is a shadow or a canary.");
        _loaded = [primary, candidate];
        _state = new RolloutState(primary, new RoutedModel(candidate, role), split, null);
    }

    /// <summary>
    /// The router <paramref name="options"/> ask for: one model, or the primary with its <see cref="ServeOptions.Shadow"/>
    /// or <see cref="ServeOptions.Canary"/>. A candidate that cannot stand in for the primary is refused with the reason.
    /// </summary>
    /// <exception cref="InvalidDataException">The candidate cannot be read, or has other classes or another input size.</exception>
    /// <exception cref="FileNotFoundException">A model file does not exist.</exception>
    public static IModelRouter Load(ServeOptions options, bool withFeatures, KodiakMetrics metrics)
    {
        var primary = ServedModel.Load(options, withFeatures, metrics);
        if ((options.Shadow ?? options.Canary) is not { } path)
            return new SingleModelRouter(primary);
        try
        {
            var role = options.Shadow is null ? ModelRole.Canary : ModelRole.Shadow;
            var candidate = LoadCandidate(options, path, role, primary, withFeatures, metrics);
            return new RolloutRouter(primary, candidate, role, role == ModelRole.Canary
                ? new CanarySplit(options.CanaryPercent ?? 100, options.CanarySources is { Count: > 0 } sources ? new HashSet<string>(sources) : null)
                : null);
        }
        catch
        {
            primary.Dispose();
            throw;
        }
    }

    static ServedModel LoadCandidate(ServeOptions options, string path, ModelRole role, ServedModel primary, bool withFeatures, KodiakMetrics metrics)
    {
        string flag = role == ModelRole.Shadow ? "--shadow" : "--canary";
        ServedModel candidate;
        try
        {
            candidate = ServedModel.Load(options, withFeatures, metrics, path);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"The candidate ({flag}) {path} does not exist: {e.Message}", path, e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The candidate ({flag}) {path} is not a usable bundle: {e.Message}", e);
        }

        var (ours, theirs) = (primary.Predictor, candidate.Predictor);
        string? mismatch = !ours.Classes.SequenceEqual(theirs.Classes)
            ? $"its classes ({string.Join(", ", theirs.Classes)}) are not the primary's ({string.Join(", ", ours.Classes)}), in the same order"
            : (ours.Manifest.Input.Width, ours.Manifest.Input.Height) != (theirs.Manifest.Input.Width, theirs.Manifest.Input.Height)
                ? $"its input size {theirs.Manifest.Input.Width}×{theirs.Manifest.Input.Height} is not the primary's {ours.Manifest.Input.Width}×{ours.Manifest.Input.Height}"
                : null;
        if (mismatch is null)
            return candidate;
        candidate.Dispose();
        throw new InvalidDataException($"The candidate ({flag}) {path} cannot stand in for {primary.Name}: {mismatch}.");
    }

    /// <summary>The primary first, then the other loaded model; the same two models for the router's life.</summary>
    public IReadOnlyList<ServedModel> Models => _state.Models;

    /// <summary>The state requests are routed by now.</summary>
    public RolloutState State => _state;

    public ModelRoute Route(PredictionRequest request) => _state.Route(request);

    /// <summary>Makes the candidate the primary; the previous primary stays loaded for <see cref="Rollback"/>.</summary>
    /// <exception cref="RolloutConflictException">There is no candidate (already promoted).</exception>
    public RolloutState Promote()
    {
        // One change at a time, so a promote and a roll-back at once end in one of the states either order gives.
        lock (_changing)
        {
            var state = _state;
            if (state.Candidate is not { } candidate)
                throw new RolloutConflictException($"No candidate to promote: {state.Primary.Name} ({state.Primary.Version}) is already the primary. Roll back first to try it again.");
            return _state = new RolloutState(candidate.Model, null, null, state);
        }
    }

    /// <summary>Goes back to the state before the last <see cref="Promote"/>: the previous primary and its candidate.</summary>
    /// <exception cref="RolloutConflictException">Nothing has been promoted.</exception>
    public RolloutState Rollback()
    {
        lock (_changing)
        {
            var state = _state;
            if (state.Previous is not { } previous)
                throw new RolloutConflictException($"Nothing to roll back: {state.Primary.Name} ({state.Primary.Version}) has been the primary since the start; promote the candidate first.");
            return _state = previous;
        }
    }

    public void Dispose()
    {
        foreach (var model in _loaded)
            model.Dispose();
    }
}

/// <summary>Who serves: the primary, the candidate (if not promoted) and, after a promote, the state to roll back to.</summary>
/// <param name="Primary">The model that answers (but a canary's share).</param>
/// <param name="Candidate">The shadow or canary, or null once promoted.</param>
/// <param name="Split">A canary's share of the requests.</param>
/// <param name="Previous">The state before the last promote, or null.</param>
internal sealed record RolloutState(ServedModel Primary, RoutedModel? Candidate, CanarySplit? Split, RolloutState? Previous)
{
    readonly ModelRoute _primary = new(new RoutedModel(Primary, ModelRole.Primary),
        Candidate is { Role: ModelRole.Shadow } shadow ? [shadow] : []);

    readonly ModelRoute? _canary = Candidate is { Role: ModelRole.Canary } canary ? new(canary, []) : null;

    /// <summary>The primary first, then the candidate or the previous primary.</summary>
    public IReadOnlyList<ServedModel> Models { get; } = [Primary, (Candidate?.Model ?? Previous?.Primary)!];

    /// <summary>The route of <paramref name="request"/> in this state.</summary>
    public ModelRoute Route(PredictionRequest request) => _canary is not null && Split!.Takes(request) ? _canary : _primary;
}
