using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak rollout promote|rollback URL [--token T]</c>: swap the model a running <c>kodiak serve</c> answers with.</summary>
internal static class RolloutCommand
{
    public static Command Create(Terminal terminal)
    {
        var command = new Command("rollout", "Promote the candidate of a running server (kodiak serve --shadow/--canary) or roll back, without a restart.");
        foreach (var (name, description) in new[]
                 {
                     ("promote", "Make the candidate the primary; the previous primary stays loaded for a roll-back."),
                     ("rollback", "Go back to the primary (and candidate) before the last promote."),
                 })
        {
            var url = new Argument<string>("URL") { Description = "The server, e.g. http://127.0.0.1:5000." };
            var token = new Option<string?>("--token") { Description = "The admin token (the one in the monitor's address kodiak serve printed); needed off loopback." };
            url.Validators.Add(result =>
            {
                if (!IsServer(result.GetValue(url)))
                    result.AddError($"URL must be the server's http or https address (e.g. http://127.0.0.1:5000), not '{result.GetValue(url)}'.");
            });
            var action = new Command(name, description) { url, token };
            action.SetAction((parse, cancellation) => Run(terminal, new Uri(parse.GetValue(url)!), name, parse.GetValue(token), cancellation));
            command.Subcommands.Add(action);
        }

        return command;
    }

    static async Task<int> Run(Terminal terminal, Uri server, string action, string? token, CancellationToken cancellation)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, $"/api/admin/{action}"))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
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
            string body = await response.Content.ReadAsStringAsync(cancellation);
            if (!response.IsSuccessStatusCode)
            {
                terminal.Fail($"{action} refused ({(int)response.StatusCode}): {Detail(body)}");
                return 1;
            }

            var status = JsonDocument.Parse(body).RootElement;
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
