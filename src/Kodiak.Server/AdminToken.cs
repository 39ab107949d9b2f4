using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kodiak.Server;

/// <summary>
/// The admin token of the cleaner (it can move every image of the data folder) and of the monitor (it shows what a
/// served model sees): off loopback their pages and APIs answer only a request that carries the token (once in the address, then as a cookie, or as a bearer token).
/// </summary>
internal sealed class AdminToken
{
    /// <summary>The query parameter that carries the token in the address printed at start.</summary>
    public const string QueryName = "token";

    /// <summary>The cookie the page keeps the token in once it has been given.</summary>
    public const string CookieName = "kodiak-token";

    readonly bool _given;
    readonly Func<ICollection<string>> _addresses;

    /// <param name="token">The token to ask for always; null: a random one, asked for only off loopback.</param>
    /// <param name="addresses">Where the app listens (known once it has started).</param>
    public AdminToken(string? token, Func<ICollection<string>> addresses)
    {
        _given = token is not null;
        Value = token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _addresses = addresses;
    }

    /// <summary>The token.</summary>
    public string Value { get; }

    /// <summary>
    /// Whether requests must carry the token: when it was given, or unless every address the app listens on is a
    /// loopback one (before the app has started there are none, and the answer is yes).
    /// </summary>
    public bool Required => _given || _addresses() is not { Count: > 0 } addresses || !addresses.All(IsLoopback);

    /// <summary>Whether <paramref name="url"/> (as Kestrel lists it) listens on a loopback address only.</summary>
    public static bool IsLoopback(string url)
    {
        string host = BindingAddress.Parse(url).Host;
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
               || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Whether <paramref name="given"/> is the token, compared in constant time.</summary>
    public bool Matches(string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(Value));
}

/// <summary>The middleware that asks for the <see cref="AdminToken"/>.</summary>
internal static class AdminTokenMiddleware
{
    /// <summary>
    /// Off loopback, answers 401 to any request (but <c>/healthz</c>) without the token. The token in the address
    /// (<c>?token=…</c>) sets a cookie (HTTP only, SameSite=Lax) and, for a GET, redirects to the same address without
    /// it, so that it does not stay in the address bar; the cookie or an <c>Authorization: Bearer</c> header then admits.
    /// Lax, not Strict: a redirect chain that began on another site (the address clicked in a web chat) is cross-site
    /// to the end, and a Strict cookie would not come back. Lax is enough: changes need a JSON POST, which no other
    /// site can send, and the cookie never goes with another site's images or scripts.
    /// </summary>
    public static void UseAdminToken(this WebApplication app)
    {
        var token = app.Services.GetRequiredService<AdminToken>();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == "/healthz" || await AdmitAsync(context, token))
                await next(context);
        });
    }

    /// <summary>Asks every endpoint of <paramref name="group"/> for the token (see <see cref="AdmitAsync"/>).</summary>
    public static RouteGroupBuilder RequireAdminToken(this RouteGroupBuilder group) => group.AddEndpointFilter(async (context, next) =>
    {
        var token = context.HttpContext.RequestServices.GetRequiredService<AdminToken>();
        return await AdmitAsync(context.HttpContext, token) ? await next(context) : Results.Empty;
    });

    /// <summary>
    /// Whether the request may go on (see <see cref="UseAdminToken"/>); when not, the answer (the redirect, or 401) is
    /// written. For endpoints that need the token in an app whose other endpoints do not (the monitor in <c>kodiak serve</c>).
    /// </summary>
    public static async Task<bool> AdmitAsync(HttpContext context, AdminToken token)
    {
        var request = context.Request;
        if (!token.Required)
            return true;
        if (token.Matches(request.Query[AdminToken.QueryName]))
        {
            context.Response.Cookies.Append(AdminToken.CookieName, token.Value, new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = request.IsHttps, Path = "/", IsEssential = true,
            });
            if (!HttpMethods.IsGet(request.Method))
                return true;
            context.Response.Redirect(request.PathBase + request.Path + QueryString.Create(request.Query.Where(q => q.Key != AdminToken.QueryName)));
            return false;
        }

        if (token.Matches(request.Cookies[AdminToken.CookieName]) || token.Matches(Bearer(request)))
            return true;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await TypedResults.Problem(
            "This page listens beyond this machine, so it needs its admin token: open the address it printed at start " +
            $"(…?{AdminToken.QueryName}=…), or send the header 'Authorization: Bearer TOKEN'.",
            statusCode: StatusCodes.Status401Unauthorized, title: "Admin token needed.").ExecuteAsync(context);
        return false;
    }

    static string? Bearer(HttpRequest request) =>
        AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
        && header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) ? header.Parameter : null;

    /// <summary>
    /// The address of the page at <paramref name="path"/>: on the first address the app listens on, with <c>?token=…</c>
    /// when it asks for its admin token, and this machine's name for a wildcard host (0.0.0.0, [::]). Call it after the app has started.
    /// </summary>
    public static string PageUrl(WebApplication app, string path)
    {
        var token = app.Services.GetRequiredService<AdminToken>();
        var url = new UriBuilder(app.Urls.First()) { Path = path };
        if (IPAddress.TryParse(url.Host.Trim('[', ']'), out var host) && (host.Equals(IPAddress.Any) || host.Equals(IPAddress.IPv6Any)))
            url.Host = Dns.GetHostName();
        if (token.Required)
            url.Query = $"{AdminToken.QueryName}={token.Value}";
        return url.Uri.ToString();
    }

    /// <summary>Registers the admin token of the monitor and the review queue (one token for both), unless one is registered.</summary>
    public static void TryAddAdminToken(IServiceCollection services) =>
        services.TryAddSingleton(provider => new AdminToken(provider.GetRequiredService<IOptions<KodiakMonitorOptions>>().Value.Token,
            () => Addresses(provider)));

    /// <summary>The addresses the app's server listens on, once started.</summary>
    public static ICollection<string> Addresses(IServiceProvider services) =>
        services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
}
