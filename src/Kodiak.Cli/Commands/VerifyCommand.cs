using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Kodiak.Vision.Files;
using Spectre.Console;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak verify DIR</c>: finds the images that can't be opened, and optionally moves or deletes them.</summary>
internal static class VerifyCommand
{
    public static Command Create(Terminal terminal)
    {
        var folder = new Argument<string>("DIR") { Description = "Folder of images to check, searched recursively." };
        var moveTo = new Option<string?>("--move-to") { Description = "Move each image that can't be opened into this folder, keeping its path relative to DIR." };
        var delete = new Option<bool>("--delete") { Description = "Delete each image that can't be opened." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {\"path\",\"reason\"} instead of text." };
        var command = new Command("verify", "Find images that can't be opened; exits 1 when there are any.") { folder, moveTo, delete, json };
        command.Validators.Add(result =>
        {
            if (result.GetValue(moveTo) is not null && result.GetValue(delete))
                result.AddError("Use --move-to or --delete, not both.");
        });
        command.SetAction(parse => Run(terminal, parse.GetValue(folder)!, parse.GetValue(moveTo), parse.GetValue(delete), parse.GetValue(json)));
        return command;
    }

    static int Run(Terminal terminal, string folder, string? moveTo, bool delete, bool json)
    {
        if (!Directory.Exists(folder))
        {
            terminal.Fail($"folder not found: {folder}");
            return 2;
        }
        var clock = Stopwatch.StartNew();
        var files = ImageFiles.Get(folder);
        var problems = ImageVerifier.Verify(files);
        var human = json ? terminal.Error : terminal.Out;

        if (json)
            terminal.Raw.WriteLine(JsonSerializer.Serialize(problems.Select(p => new { path = p.Path, reason = p.Reason })));
        else
            foreach (var problem in problems)
                human.MarkupLineInterpolated($"{problem.Path}  [yellow]{problem.Reason}[/]");

        human.MarkupLineInterpolated($"Checked {files.Count} images in {clock.Elapsed.TotalSeconds:0.0} s: {(problems.Count == 0 ? "all open" : $"{problems.Count} cannot be opened")}.");
        if (problems.Count == 0) return 0;

        if (moveTo is not null)
            Move(terminal, human, folder, moveTo, problems);
        else if (delete)
            Delete(terminal, human, problems);
        return 1;
    }

    static void Move(Terminal terminal, IAnsiConsole human, string folder, string moveTo, IReadOnlyList<ImageProblem> problems)
    {
        int moved = 0;
        foreach (var problem in problems)
        {
            string target = ImageFiles.FreeName(Path.Combine(moveTo, Path.GetRelativePath(folder, problem.Path)));
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(problem.Path, target);
                moved++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                terminal.Fail($"could not move {problem.Path} to {target}: {e.Message}");
            }
        }
        human.MarkupLineInterpolated($"Moved {moved} of {problems.Count} files to {moveTo}.");
    }

    static void Delete(Terminal terminal, IAnsiConsole human, IReadOnlyList<ImageProblem> problems)
    {
        int deleted = 0;
        foreach (var problem in problems)
        {
            try
            {
                File.Delete(problem.Path);
                deleted++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                terminal.Fail($"could not delete {problem.Path}: {e.Message}");
            }
        }
        human.MarkupLineInterpolated($"Deleted {deleted} of {problems.Count} files.");
    }
}
