using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Kodiak.Cli.Commands;

/// <summary>
/// <c>kodiak rollout promote|rollback|load|drop URL [--token T]</c>: change the models a running <c>kodiak serve</c> answers
/// with, without a restart.
/// </summary>
internal static class RolloutCommand
{
    public static Command Create(Terminal terminal)
    {
        var command = new Command("rollout", "Load, promote or drop the candidate of a running server (kodiak serve), or roll back, without a restart.");
        foreach (var (name, description) in new[]
                 {
                     ("promote", "Make the candidate the primary; the previous primary stays loaded for a roll-back."),
                     ("rollback", "Go back to the primary (and candidate) before the last promote."),
                 })
        {
            var (url, token) = ServerArguments();
            var action = new Command(name, description) { url, token };
            action.SetAction((parse, cancellation) => Send(terminal, new Uri(parse.GetValue(url)!), HttpMethod.Post, name, new { }, parse.GetValue(token), name, cancellation));
            command.Subcommands.Add(action);
        }

        command.Subcommands.Add(Load(terminal));
        var (dropUrl, dropToken) = ServerArguments();
        var drop = new Command("drop", "Remove the candidate: the primary answers every request again, and the candidate is unloaded.") { dropUrl, dropToken };
        drop.SetAction((parse, cancellation) => Send(terminal, new Uri(parse.GetValue(dropUrl)!), HttpMethod.Delete, "candidate", null, parse.GetValue(dropToken), "drop", cancellation));
        command.Subcommands.Add(drop);
        return command;
    }

    /// <summary><c>kodiak rollout load URL CANDIDATE.kodiak --shadow | --canary-percent N [--canary-sources a,b]</c>.</summary>
    static Command Load(Terminal terminal)
    {
        var (url, token) = ServerArguments();
        var bundle = new Argument<string>("CANDIDATE") { Description = "The .kodiak bundle, as a path the server can read (made absolute here, so run this on the server's machine or give its path)." };
        var shadow = new Option<bool>("--shadow") { Description = "The candidate predicts every request off the answer path; it answers none." };
        var percent = new Option<double?>("--canary-percent") { Description = "The candidate answers this share of the sources (X-Kodiak-Source; else requests), 0–100, sticky per source." };
        var sources = new Option<string?>("--canary-sources") { Description = "Only these sources (comma-separated, e.g. cam-3,cam-7) go to the canary." };
        var load = new Command("load", "Load a bundle as the candidate (shadow or canary) while serving; refused with the reason when it cannot stand in for the primary.")
        {
            url, bundle, shadow, percent, sources, token,
        };
        load.Validators.Add(result =>
        {
            bool canary = result.GetValue(percent) is not null || result.GetValue(sources) is not null;
            if (result.GetValue(shadow) == canary)
                result.AddError("Say what the candidate does: --shadow, or --canary-percent N and/or --canary-sources a,b (not both).");
        });
        load.SetAction((parse, cancellation) =>
        {
            object body = parse.GetValue(shadow)
                ? new { bundle = Path.GetFullPath(parse.GetValue(bundle)!), role = "shadow" }
                : new
                {
                    bundle = Path.GetFullPath(parse.GetValue(bundle)!),
                    role = "canary",
                    percent = parse.GetValue(percent),
                    sources = parse.GetValue(sources)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                };
            return Send(terminal, new Uri(parse.GetValue(url)!), HttpMethod.Post, "candidate", body, parse.GetValue(token), "load", cancellation);
        });
        return load;
    }

    /// <summary>The server's address and the admin token, which every subcommand takes.</summary>
    static (Argument<string> Url, Option<string?> Token) ServerArguments()
    {
        var url = new Argument<string>("URL") { Description = "The server, e.g. http://127.0.0.1:5000." };
        var token = new Option<string?>("--token") { Description = "The admin token (the one in the monitor's address kodiak serve printed); needed off loopback." };
        url.Validators.Add(result =>
        {
            if (!IsServer(result.GetValue(url)))
                result.AddError($"URL must be the server's http or https address (e.g. http://127.0.0.1:5000), not '{result.GetValue(url)}'.");
        });
        return (url, token);
    }

    /// <summary>Sends one admin request to <c>/api/admin/ACTION</c> and prints who serves after it, or why it was refused.</summary>
    static async Task<int> Send(Terminal terminal, Uri server, HttpMethod method, string action, object? body, string? token, string what, CancellationToken cancellation)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(server, $"/api/admin/{action}"))
        {
            Content = body is null ? null : new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellation);
        }
        catch (HttpRequestException e)
        {
            terminal.Fail($"Cannot reach {server}: {e.Message}");
            return 1;
        }

        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(cancellation);
            if (!response.IsSuccessStatusCode)
            {
                terminal.Fail($"{what} refused ({(int)response.StatusCode}): {Detail(text)}");
                return 1;
            }

            var status = JsonDocument.Parse(text).RootElement;
            terminal.Raw.WriteLine($"Primary: {Model(status.GetProperty("primary"))}");
            foreach (string other in new[] { "candidate", "previous" })
                if (status.GetProperty(other) is { ValueKind: JsonValueKind.Object } model)
                    terminal.Raw.WriteLine($"{char.ToUpperInvariant(other[0])}{other[1..]}: {Model(model)}");
            return 0;
        }
    }

    static bool IsServer(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    static string Model(JsonElement model) =>
        $"{model.GetProperty("name").GetString()} ({model.GetProperty("version").GetString()}, {model.GetProperty("role").GetString()})";

    /// <summary>A problem's detail, else the body as it came (a proxy's page, say).</summary>
    static string Detail(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
