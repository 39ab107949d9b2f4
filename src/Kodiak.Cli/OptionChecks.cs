using System.CommandLine;

namespace Kodiak.Cli;

/// <summary>Range checks on options, run only when the option is given (its default is valid).</summary>
internal static class OptionChecks
{
    /// <summary>Refuses values for which <paramref name="valid"/> is false: "<c>--name requirement.</c>"</summary>
    public static Option<T> Must<T>(this Option<T> option, Func<T, bool> valid, string requirement)
    {
        option.Validators.Add(result =>
        {
            if (!valid(result.GetValueOrDefault<T>()))
                result.AddError($"{option.Name} {requirement}.");
        });
        return option;
    }
}
