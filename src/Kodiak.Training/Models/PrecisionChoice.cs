namespace Kodiak.Training.Models;

/// <summary>The precision a run computes in (<see cref="Precision.Fp32"/> or <see cref="Precision.Bf16"/>) and why it was picked.</summary>
/// <param name="Precision">Fp32 or Bf16, never Auto.</param>
/// <param name="Reason">Why, in a few words, e.g. <c>auto: this CPU has avx512_bf16</c>.</param>
public sealed record PrecisionChoice(Precision Precision, string Reason)
{
    /// <summary>
    /// Set to <c>0</c> (or <c>1</c>), it tells <see cref="Precision.Auto"/> that the CPU has no (or has) native bf16,
    /// whatever it reports: for machines whose bf16 is slow, and to try the fallback.
    /// </summary>
    public const string OverrideVariable = "KODIAK_CPU_BF16";

    // The CPU flags that mean native bf16 arithmetic (Linux /proc/cpuinfo names).
    static readonly string[] Bf16Flags = ["avx512_bf16", "amx_bf16"];

    /// <summary>The short name: <c>fp32</c> or <c>bf16</c>.</summary>
    public string Name => ShortName(Precision);

    /// <summary>The precision with its reason, e.g. <c>bf16 (auto: this CPU has avx512_bf16)</c>.</summary>
    public override string ToString() => $"{Name} ({Reason})";

    /// <summary>
    /// Resolves <paramref name="requested"/> on this machine: Auto becomes Bf16 when <see cref="OverrideVariable"/> says
    /// so, or, when it is unset, when <c>/proc/cpuinfo</c> lists avx512_bf16 or amx_bf16; Fp32 otherwise (and on systems
    /// without <c>/proc/cpuinfo</c>).
    /// </summary>
    /// <param name="requested">The precision asked for.</param>
    /// <exception cref="InvalidOperationException"><see cref="OverrideVariable"/> is set to something other than 0 or 1.</exception>
    public static PrecisionChoice Of(Precision requested) =>
        Of(requested, Environment.GetEnvironmentVariable(OverrideVariable), ReadCpuInfo);

    /// <summary><see cref="Of(Precision)"/> with the override's value and the CPU description given (the seam tests use).</summary>
    internal static PrecisionChoice Of(Precision requested, string? overrideValue, Func<string?> cpuInfo)
    {
        switch (requested)
        {
            case Precision.Fp32 or Precision.Bf16:
                return new(requested, "asked for");
            case Precision.Auto:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(requested), requested, "Expected auto, fp32 or bf16.");
        }
        switch (overrideValue?.Trim())
        {
            case null or "":
                break;
            case "0":
                return new(Precision.Fp32, $"auto: {OverrideVariable}=0 says this CPU has no native bf16");
            case "1":
                return new(Precision.Bf16, $"auto: {OverrideVariable}=1 says this CPU has native bf16");
            default:
                throw new InvalidOperationException($"{OverrideVariable} must be 0 or 1 (or unset), not '{overrideValue}'.");
        }
        var flags = CpuFlags(cpuInfo());
        return Bf16Flags.FirstOrDefault(flags.Contains) is string flag
            ? new(Precision.Bf16, $"auto: this CPU has {flag}")
            : new(Precision.Fp32, "auto: this CPU has no native bf16 (avx512_bf16 or amx_bf16)");
    }

    /// <summary>The short name of a precision: <c>auto</c>, <c>fp32</c> or <c>bf16</c>.</summary>
    /// <param name="precision">The precision.</param>
    public static string ShortName(Precision precision) => precision.ToString().ToLowerInvariant();

    static string? ReadCpuInfo()
    {
        const string path = "/proc/cpuinfo";
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // The first "flags : a b c" line (every core lists the same ones).
    static HashSet<string> CpuFlags(string? cpuInfo)
    {
        var line = cpuInfo?.Split('\n').FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Contains(':'));
        return line is null ? [] : [.. line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
    }
}
